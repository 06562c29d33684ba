// Browser tests of the interactive page: headless Chromium (the system's,
// driven by puppeteer-core) loads the built page from a static server on
// 127.0.0.1 and drives it by its fixed element ids.
//
//     node page.test.mjs BUILD_DIR NATIVE_MODEL_PROGRAM
//
// Prints one line per check and ends with "N passed, N failed"; exits
// nonzero when a check failed. Screenshots go to BUILD_DIR/screenshot-*.png.
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join, resolve } from 'node:path';
import puppeteer from 'puppeteer-core';
import { REFERENCE, agrees } from './reference.mjs';

// The same errors from PyTorch float64 (reference.py), to 17 digits.
const TORCH = JSON.parse(readFileSync(new URL('./reference-torch.json', import.meta.url), 'utf8'));
const within = (x, text) => Math.abs(x - Number(text)) <= 1e-12 * Math.abs(Number(text));

const build = resolve(process.argv[2] || 'build-web');
const native = resolve(process.argv[3] || join(build, 'native_model'));
const chromium = process.env.CHROMIUM || '/usr/bin/chromium';

let passed = 0, failed = 0;
function check(name, ok, detail = '') {
    if (ok) passed++;
    else failed++;
    console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${detail ? `: ${detail}` : ''}`);
}

// ---- a static server on 127.0.0.1 only ----------------------------------

const TYPES = {
    '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.wasm': 'application/wasm',
};
const server = createServer((req, res) => {
    const path = new URL(req.url, 'http://x').pathname;
    const name = path === '/' ? 'index.html' : path.slice(1);
    const file = join(build, name);
    if (name.includes('..') || name.includes('/') || !existsSync(file) || !(extname(name) in TYPES)) {
        res.writeHead(404).end();
        return;
    }
    res.writeHead(200, { 'Content-Type': TYPES[extname(name)] }).end(readFileSync(file));
});
await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
const origin = `http://127.0.0.1:${server.address().port}`;

// ---- the browser --------------------------------------------------------

const browser = await puppeteer.launch({
    executablePath: chromium,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
});
const foreign = [];
const pageErrors = [];

async function openPage(hash = '') {
    const page = await browser.newPage();
    await page.setViewport({ width: 1400, height: 1000 });
    await page.setRequestInterception(true);
    page.on('request', (req) => {
        const url = req.url();
        if (url.startsWith(`${origin}/`) || url.startsWith('data:') || url.startsWith('blob:')) req.continue();
        else {
            foreign.push(url);
            req.abort();
        }
    });
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(`${origin}/index.html${hash}`);
    await page.waitForSelector('body[data-ready="1"]', { timeout: 20000 });
    return page;
}

const text = (page, sel) => page.$eval(sel, (e) => e.textContent);
const errorOf = async (page) => parseFloat(await text(page, '#error'));

async function choose(page, id) {
    await page.select('#example', id);
    await page.waitForFunction(() => document.querySelector('#steps').textContent === '0');
}

// The full value (data-v) of the result of the formula data-q="q".
async function explained(page, q) {
    return page.evaluate((q) => {
        const e = document.querySelector(`#explain [data-q="${q}"] .result [data-v]`);
        return e ? Number(e.dataset.v) : null;
    }, q);
}

async function status(page) {
    return text(page, '#status');
}

const page = await openPage();

// ---- every worked example: error before and after one step, the
//      calculation, the drawing -------------------------------------------

for (const [id, ref] of Object.entries(REFERENCE)) {
    await choose(page, id);
    const e0 = await errorOf(page);
    check(`${id}: #error before any step`, agrees(e0, ref.error[0]), `${e0} vs ${ref.error[0]}`);
    check(`${id}: #error before any step, PyTorch within 1e-12`, within(e0, TORCH[id].error[0]), TORCH[id].error[0]);
    check(`${id}: #error is the shortest text of the double`,
        (await text(page, '#error')) === String(e0), await text(page, '#error'));
    const title = await text(page, '#explain-title');
    check(`${id}: #explain shows the next update before any step`, /next update/.test(title), title);
    await page.click('#step');
    await page.waitForFunction(() => document.querySelector('#steps').textContent === '1');
    const e1 = await errorOf(page);
    check(`${id}: #error after one step`, agrees(e1, ref.error[1]), `${e1} vs ${ref.error[1]}`);
    check(`${id}: #error after one step, PyTorch within 1e-12`, within(e1, TORCH[id].error[1]), TORCH[id].error[1]);
    check(`${id}: no message`, (await status(page)) === '', await status(page));
    for (const [q, value] of Object.entries(ref.explain)) {
        const x = await explained(page, q);
        check(`${id}: #explain ${q}`, x !== null && agrees(x, value), `${x} vs ${value}`);
    }
    const counts = await page.evaluate(() => ({
        circles: document.querySelectorAll('#network circle').length,
        edges: document.querySelectorAll('#network .edge').length,
    }));
    const sizes = { A: [3, 2, 2], B: [2, 2, 1], C: [2, 2, 2], 'C-sequential': [2, 2, 2], D: [2, 2, 1] }[id];
    const units = sizes.reduce((a, b) => a + b, 0);
    const weights = sizes.slice(1).reduce((n, s, l) => n + s * sizes[l], 0);
    check(`${id}: #network has one circle per unit`, counts.circles === units, `${counts.circles} vs ${units}`);
    check(`${id}: #network has one edge per weight`, counts.edges === weights, `${counts.edges} vs ${weights}`);
    await page.screenshot({ path: join(build, `screenshot-${id}.png`), fullPage: true });
    for (let k = 1; k < 10; k++) await page.click('#step');
    const e10 = await errorOf(page);
    check(`${id}: #error after ten steps, PyTorch within 1e-12`,
        (await text(page, '#steps')) === '10' && within(e10, TORCH[id].error[2]), `${e10} vs ${TORCH[id].error[2]}`);
}

// ---- one update part by part (forward, loss, backward, update) ----------

await choose(page, 'C');
const parts = async () => page.$$eval('#explain section', (s) => s.map((e) => e.dataset.part).join(','));
await page.click('#phase');
check('parts: forward shows the forward pass only', (await parts()) === 'forward', await parts());
check('parts: out h1 after the forward part', agrees(await explained(page, 'out:h1'), '0.593269992107'));
check('parts: no update yet', (await text(page, '#steps')) === '0');
await page.click('#phase');
check('parts: loss', (await parts()) === 'forward,loss', await parts());
await page.click('#phase');
check('parts: backward', (await parts()) === 'forward,loss,backward', await parts());
check('parts: delta o1', agrees(await explained(page, 'delta:o1'), '0.138498561629'));
const deltaShown = await page.$$eval('#network .delta', (d) => d.length);
check('parts: the drawing shows the deltas', deltaShown === 4, `${deltaShown}`);
await page.click('#phase');
check('parts: the update is taken', (await text(page, '#steps')) === '1');
check('parts: #error after the update', agrees(await errorOf(page), REFERENCE.C.error[1]));
check('parts: the whole calculation is shown', (await parts()) === 'forward,loss,backward,update', await parts());

// ---- XOR from seed 0 until every output is on the right side of 0.5 -----

await choose(page, 'D');
await page.$eval('#speed', (e) => { e.value = '200'; });
const started = Date.now();
await page.click('#run');
let solved = false;
while (!solved && Date.now() - started < 60000) {
    await new Promise((ok) => setTimeout(ok, 100));
    solved = await page.evaluate(() => {
        const rows = [...document.querySelectorAll('#data tbody tr')];
        return rows.length === 4 && rows.every((tr) => {
            const out = Number(tr.querySelector('td.out').dataset.v);
            const target = Number(tr.cells[2].textContent);
            return (out > 0.5) === (target > 0.5);
        });
    });
}
const seconds = (Date.now() - started) / 1000;
await page.click('#run');
const xorSteps = await text(page, '#steps');
check('XOR: every output on the right side of 0.5 within 60 s', solved, `${xorSteps} updates, ${seconds.toFixed(1)} s`);
check('XOR: the error fell', (await errorOf(page)) < 0.1, await text(page, '#error'));
const curve = await page.$eval('#curve polyline', (p) => p.getAttribute('points').split(' ').length);
check('XOR: the loss curve has points', curve > 2, `${curve}`);
await page.screenshot({ path: join(build, 'screenshot-D-solved.png'), fullPage: true });

// ---- model files: saving gives the native library's bytes; loading ------

const downloads = mkdtempSync(join(tmpdir(), 'backprop-web-'));
const cdp = await page.createCDPSession();
await cdp.send('Browser.setDownloadBehavior', { behavior: 'allow', downloadPath: downloads });

async function saved(name) {
    await page.click('#save');
    const path = join(downloads, name);
    for (let k = 0; k < 100 && !existsSync(path); k++) await new Promise((ok) => setTimeout(ok, 50));
    return existsSync(path) ? readFileSync(path) : Buffer.alloc(0);
}

for (const [id, steps] of [['C', 1], ['C-sequential', 1], ['D', 3], ['A', 2], ['B', 1]]) {
    await choose(page, id);
    for (let k = 0; k < steps; k++) await page.click('#step');
    const bytes = await saved(`${id}-${steps}.model`);
    const expected = execFileSync(native, [id, String(steps)]);
    check(`save: ${id} after ${steps} updates equals the native library's file`,
        bytes.length > 0 && bytes.equals(expected), `${bytes.length} vs ${expected.length} bytes`);
}

await choose(page, 'C');
const tenSteps = join(downloads, 'native-C-10.model');
writeFileSync(tenSteps, execFileSync(native, ['C', '10']));
const input = await page.$('#load');
await input.uploadFile(tenSteps);
await page.waitForFunction(() => document.querySelector('#error').textContent !== '0.2983711087600027');
const loadedError = await errorOf(page);
check('load: a native model of C after 10 steps gives its error', agrees(loadedError, REFERENCE.C.after10),
    `${loadedError} vs ${REFERENCE.C.after10}`);
const again = await saved('C-0.model');
check('load then save gives the same bytes', again.equals(readFileSync(tenSteps)));
await input.uploadFile(join(build, 'index.html'));
await page.waitForFunction(() => document.querySelector('#status').textContent !== '');
check('load: a file that is no model is refused with the library\'s message',
    /model file/.test(await status(page)) && agrees(await errorOf(page), REFERENCE.C.after10), await status(page));
rmSync(downloads, { recursive: true, force: true });

// ---- the state in the URL -----------------------------------------------

await choose(page, 'B');
await page.click('#step');
await page.click('#step');
const hash = await page.evaluate(() => location.hash);
const shared = await openPage(hash);
check('link: the example', (await shared.$eval('#example', (e) => e.value)) === 'B');
check('link: the updates taken', (await text(shared, '#steps')) === '2');
check('link: the same error, bit for bit', (await text(shared, '#error')) === (await text(page, '#error')),
    `${await text(shared, '#error')} vs ${await text(page, '#error')}`);
await shared.close();

// ---- a network of one's own ---------------------------------------------

await page.select('#example', 'custom');
await page.waitForFunction(() => document.querySelector('#steps').textContent === '0');
const custom = await page.evaluate(() => ({
    circles: document.querySelectorAll('#network circle').length,
    edges: document.querySelectorAll('#network .edge').length,
}));
check('custom: the default 2-3-1 network is drawn', custom.circles === 6 && custom.edges === 9, JSON.stringify(custom));
await page.$eval('#c-sizes', (e) => { e.value = '2-4-3-1'; });
await page.$eval('#c-acts', (e) => { e.value = 'tanh,relu,sigmoid'; });
await page.click('#c-build');
await page.waitForFunction(() => document.querySelectorAll('#network circle').length === 10);
await page.select('#optimizer', 'adam');
const before = await errorOf(page);
for (let k = 0; k < 5; k++) await page.click('#step');
check('custom: 2-4-3-1 with Adam takes updates', (await text(page, '#steps')) === '5' && (await status(page)) === '',
    await status(page));
check('custom: the error is finite and changed', Number.isFinite(await errorOf(page)) && (await errorOf(page)) !== before);
const optimizerShown = await page.$$eval('#explain [data-q^="new:"] .note', (n) => n.length >= 0);
check('custom: the update with Adam is explained', optimizerShown && (await explained(page, 'loss_after')) !== null);
await page.$eval('#c-sizes', (e) => { e.value = '2-0-1'; });
await page.click('#c-build');
check('custom: bad sizes are refused with a message', /sizes/.test(await status(page)), await status(page));
await page.screenshot({ path: join(build, 'screenshot-custom.png'), fullPage: true });

// ---- the hovering highlight ---------------------------------------------

await choose(page, 'C');
await page.hover('#network text.weight[data-ref="w5"]');
const lit = await page.$$eval('#explain .hl[data-ref="w5"]', (e) => e.length);
check('hover: w5 on the drawing highlights w5 in the calculation', lit > 0, `${lit}`);

// ---- nothing fetched from outside, no script errors ---------------------

check('no request left the page\'s origin', foreign.length === 0, foreign.join(' '));
check('no script errors', pageErrors.length === 0, pageErrors.join(' | '));
const shots = readdirSync(build).filter((f) => f.startsWith('screenshot-')).length;
check('screenshots written', shots >= 7, `${shots}`);

await browser.close();
server.close();
console.log(`${passed} passed, ${failed} failed`);
// The same counts in the form the CI script adds up (.ci/run, count).
console.log(`Ok: ${passed}`);
console.log(`Fail: ${failed}`);
process.exit(failed === 0 ? 0 : 1);
