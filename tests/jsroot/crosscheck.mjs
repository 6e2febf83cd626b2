// Independent cross-check of hepnn's ROOT reader: the JavaScript ROOT reader
// (npm package jsroot) reads the same branches, and the values are compared
// entry by entry with `hepnn root dump --format json`. Run by run.sh on the
// test files; writer.sh passes FILE:TREE arguments (files hepnn wrote, all
// their branches) instead.
import { spawnSync } from 'node:child_process';
import { openFile } from 'jsroot/io';
import { TSelector, treeProcess } from 'jsroot/tree';

const [hepnn, dir, ...given] = process.argv.slice(2);

// file, tree, branches (all compressions, flat, fixed arrays, jagged,
// strings, bools, embedded baskets, nested directories, zero-entry basket)
const builtin = [
  ['uproot-Zmumu.root', 'events', ['Type', 'Run', 'Event', 'E1', 'px1', 'Q1', 'M']],
  ['uproot-Zmumu-uncompressed.root', 'events', ['Run', 'px1', 'M']],
  ['uproot-Zmumu-lz4.root', 'events', ['Event', 'px1', 'M']],
  ['uproot-Zmumu-lzma.root', 'events', ['Event', 'px1', 'M']],
  ['uproot-Zmumu-zstd.root', 'events', ['Event', 'px1', 'M']],
  ['uproot-HZZ.root', 'events', ['NJet', 'Jet_Px', 'Jet_E', 'NMuon', 'Muon_Px', 'Muon_Charge', 'MET_px', 'EventWeight']],
  ['uproot-sample-5.23.02-zlib.root', 'sample', null],
  ['uproot-sample-6.10.05-lz4.root', 'sample', null],
  ['uproot-sample-6.20.04-uncompressed.root', 'sample', null],
  ['uproot-foriter.root', 'foriter', ['data']],
  ['uproot-hepdata-example.root', 'ntuple', ['px', 'py', 'pz', 'random', 'i']],
  ['uproot-issue-750.root', 'tout', ['Muon_pt', 'Electron_pt', 'Jet_pt', 'mu_e_inv_mass', 'N_jet_loose']],
  ['nanoAOD_2015_CMS_Open_Data_ttbar.root', 'Events', ['run', 'event', 'nJet', 'Jet_pt', 'Jet_eta', 'MET_pt', 'nMuon', 'Muon_pt', 'Muon_charge', 'nElectron', 'Electron_convVeto', 'Electron_lostHits', 'HTXS_njets25']],
  ['uproot-small-dy-withoffsets.root', 'tree', ['nMuon', 'Muon_pt']],
  ['uproot-nesteddirs.root', 'one/tree', ['one', 'two', 'three']],
  ['uproot-nesteddirs.root', 'one/two/tree', ['Int32', 'UInt64', 'Float32', 'Float64', 'Str', 'ArrayInt32', 'ArrayFloat64', 'N', 'SliceInt32', 'SliceFloat64']],
];
const cases = given.length
  ? given.map((s) => [s.slice(0, s.lastIndexOf(':')), s.slice(s.lastIndexOf(':') + 1), null])
  : builtin;

function leafOf(tree, name) {
  for (const b of tree.fBranches.arr)
    if (b.fName === name) return b.fLeaves.arr[0];
  return null;
}

// jsroot hands fixed-size TLeafB arrays over as strings of char codes
function bytesOf(s, unsigned) {
  return Array.from(s, (ch) => {
    const c = ch.charCodeAt(0);
    return unsigned || c < 128 ? c : c - 256;
  });
}

function same(a, b, isFloat) {
  if (typeof a === 'boolean') a = a ? 1 : 0;
  if (typeof b === 'boolean') b = b ? 1 : 0;
  if (typeof a === 'bigint') a = Number(a);
  if (typeof a !== typeof b) return false;
  if (typeof a === 'string') return a === b;
  if (Number.isNaN(a)) return b === null || Number.isNaN(b);
  return isFloat ? Math.fround(a) === Math.fround(b) : a === b;
}

let failures = 0, values = 0;
for (const [fname, tname, wanted] of cases) {
  const path = `${dir}/${fname}`;
  let tree;
  try {
    tree = await (await openFile(path)).readObject(tname);
  } catch (e) {
    console.log(`FAIL ${fname}:${tname}: jsroot cannot read it: ${e.message}`);
    failures++;
    continue;
  }
  const branches = wanted ?? tree.fBranches.arr.map((b) => b.fName);
  const r = spawnSync(hepnn, ['root', 'dump', `${path}:${tname}`, '-b', branches.join(','), '--format', 'json'],
                      { encoding: 'utf8', maxBuffer: 1 << 30 });
  if (r.status !== 0) {
    console.log(`FAIL ${fname}:${tname}: hepnn exited ${r.status}: ${r.stderr.trim()}`);
    failures++;
    continue;
  }
  const mine = JSON.parse(r.stdout);
  const theirs = [];
  const sel = new TSelector();
  for (const b of branches) sel.addBranch(b);
  sel.Process = function () {
    const row = {};
    for (const b of branches) {
      const v = this.tgtobj[b];
      row[b] = v !== null && typeof v === 'object' ? Array.from(v) : v; // jsroot reuses its arrays
    }
    theirs.push(row);
  };
  await treeProcess(tree, sel);
  if (mine.length !== theirs.length) {
    console.log(`FAIL ${fname}:${tname}: hepnn ${mine.length} entries, jsroot ${theirs.length}`);
    failures++;
    continue;
  }
  let bad = 0;
  for (const b of branches) {
    const leaf = leafOf(tree, b);
    const isFloat = leaf?._typename === 'TLeafF';
    const isByte = leaf?._typename === 'TLeafB';
    for (let e = 0; e < mine.length && bad < 5; e++) {
      let x = mine[e][b];
      let y = theirs[e][b];
      if (isByte && typeof y === 'string') {
        // jsroot reads a fixed-size TLeafB array as a C string: it stops at a
        // zero byte, so it is no reference there; compare up to its end
        y = bytesOf(y, leaf.fIsUnsigned);
        if (Array.isArray(x) && y.length < x.length && x[y.length] === 0) x.length = y.length;
      }
      const xs = Array.isArray(x) ? x : [x], ys = Array.isArray(y) ? y : [y];
      let ok = xs.length === ys.length;
      for (let k = 0; ok && k < xs.length; k++) ok = same(ys[k], xs[k], isFloat);
      values += xs.length;
      if (!ok) {
        console.log(`FAIL ${fname}:${tname} ${b} entry ${e}: hepnn ${JSON.stringify(x)}, jsroot ${JSON.stringify(y)}`);
        bad++;
      }
    }
  }
  failures += bad;
  console.log(`${bad ? 'FAIL' : 'ok  '} ${fname}:${tname}: ${branches.length} branches, ${mine.length} entries`);
}
console.log(`${values} values compared, ${failures} mismatches`);
process.exit(failures ? 1 : 0);
