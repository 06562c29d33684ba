/* Half of a planted cycle of calls between two files (see meson.build):
   cycle_a() calls cycle-b.c, whose cycle_b() calls back here. */
int cycle_b(int n);

int cycle_a(int n)
{
    return n > 0 ? cycle_b(n - 1) : 0;
}
