// Reads the trees written by root_write_files (write_files.c) with jsroot and
// compares every value with the formula it was written from. Run by writer.sh.
import { openFile } from 'jsroot/io';
import { TSelector, treeProcess } from 'jsroot/tree';

const [dir] = process.argv.slice(2);
const N = 5000;
const f32 = Math.fround;

// entry i -> the value written (the same formulas as write_files.c)
const count = (i) => (i * 7) % 6;
const expect = {
  n: (i) => count(i),
  f: (i) => f32(i / 7),
  d: (i) => (i - 2500) * 1e10 / 3,
  l: (i) => (i % 2 ? BigInt(i) * (1n << 50n) + BigInt(i) : BigInt(-(i * 1000 + 1))),
  o: (i) => i % 3 === 0,
  u: (i) => i % 251,
  s: (i) => i - 2500,
  af: (i) => [0, 1, 2].map((k) => f32((3 * i + k) / 11)),
  jf: (i) => Array.from({ length: count(i) }, (_, k) => f32((10 * i + k) / 13)),
  ji: (i) => Array.from({ length: count(i) }, (_, k) => 10 * i + k - 7),
  jd: (i) => Array.from({ length: count(i) }, (_, k) => [(10 * i + k) / 9, -(10 * i + k)]),
};
const leafClass = { n: 'TLeafI', f: 'TLeafF', d: 'TLeafD', l: 'TLeafL', o: 'TLeafO', u: 'TLeafB',
                    s: 'TLeafS', af: 'TLeafF', jf: 'TLeafF', ji: 'TLeafI', jd: 'TLeafD' };

// jsroot hands over typed arrays, nested arrays, BigInt for 64-bit integers
// beyond 2^53 and booleans; compare exactly
function same(got, want) {
  if (Array.isArray(want)) {
    if (got === null || typeof got !== 'object' || got.length !== want.length) return false;
    for (let k = 0; k < want.length; k++) if (!same(got[k], want[k])) return false;
    return true;
  }
  if (typeof want === 'bigint') return (typeof got === 'bigint' || Number.isInteger(got)) && BigInt(got) === want;
  if (typeof want === 'boolean') return got === want || got === (want ? 1 : 0);
  return got === want;
}

const plain = (v) => JSON.stringify(v, (k, x) => (typeof x === 'bigint' ? `${x}n` : ArrayBuffer.isView(x) ? Array.from(x) : x));

let failures = 0, values = 0;
for (const [fname, zipped, manyBaskets] of [['w_zlib1.root', true, true], ['w_zlib9.root', true, false],
                                             ['w_raw.root', false, true]]) {
  let tree;
  try {
    const file = await openFile(`${dir}/${fname}`);
    tree = await file.readObject('T');
  } catch (e) {
    console.log(`FAIL ${fname}: jsroot cannot open it: ${e.message}`);
    failures++;
    continue;
  }
  const names = Object.keys(expect);
  const problems = [];
  if (tree.fEntries !== N) problems.push(`fEntries ${tree.fEntries}`);
  const got = tree.fBranches.arr.map((b) => b.fName);
  if (got.join() !== names.join()) problems.push(`branches ${got.join()}`);
  for (const b of tree.fBranches.arr) {
    const leaf = b.fLeaves.arr[0];
    if (leaf?._typename !== leafClass[b.fName]) problems.push(`${b.fName}: leaf ${leaf?._typename}`);
    if (manyBaskets && b.fWriteBasket < 2) problems.push(`${b.fName}: ${b.fWriteBasket} basket(s)`);
    if (zipped && !(b.fZipBytes < b.fTotBytes)) problems.push(`${b.fName}: not compressed`);
  }
  if (problems.length) {
    console.log(`FAIL ${fname}: ${problems.join('; ')}`);
    failures += problems.length;
    continue;
  }
  const sel = new TSelector();
  for (const b of names) sel.addBranch(b);
  let entry = 0, bad = 0;
  sel.Process = function () {
    for (const b of names) {
      let v = this.tgtobj[b];
      if (v !== null && typeof v === 'object') v = JSON.parse(plain(v)); // a copy: jsroot reuses its arrays (no 64-bit integer arrays here)
      const want = expect[b](entry);
      values += Array.isArray(want) ? want.flat().length : 1;
      if (!same(v, want) && bad++ < 5)
        console.log(`FAIL ${fname} ${b} entry ${entry}: jsroot ${plain(this.tgtobj[b])}, written ${plain(want)}`);
    }
    entry++;
  };
  await treeProcess(tree, sel);
  if (entry !== N) {
    console.log(`FAIL ${fname}: jsroot read ${entry} entries, ${N} written`);
    bad++;
  }
  failures += bad;
  console.log(`${bad ? 'FAIL' : 'ok  '} ${fname}: ${names.length} branches, ${entry} entries`);
}
console.log(`${values} written values compared with jsroot, ${failures} mismatches`);
process.exit(failures ? 1 : 0);
