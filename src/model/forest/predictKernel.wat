;; Forest prediction in WebAssembly: predictKernel.ts's walk over a block of rows (the JS version
;; is kept as the oracle and for forests too large for a wasm memory), without its per-access
;; bounds checks. `npm run build:wasm` (scripts/build-wasm.mjs) compiles this file into
;; predictKernelWasm.ts; a test recompiles it and checks the two agree.
;;
;; walk_top(trees, nTrees, nodes, values, data, nRows, out, consts, scratch): out[r] = the sum over
;; the trees, in tree order, of row r's leaf value (out zeroed here), for the nRows rows of a chunk
;; binned feature-major: feature f of row r at byte data + f·CHUNK + r. Per tree, blocks of up to
;; 16384 rows (a whole chunk of predictWasm.ts: 15 features' bins are 240 KB, in L2 with the tree),
;; 16 rows at a time. Blocks of 256 rows (once, to keep them in L1) made a deep tree's nodes (a
;; 294-tree depth-20 forest of 2.85 M nodes: 155 KB a tree) come from memory again for every
;; 256 rows: 2.6 against 1.45 CPU s on 300 k rows, no change at depth 6 or 10.
;;   1. the tree's first four levels with SIMD: a perfect tree of 15 nodes, level k's 2^k nodes
;;      each compared with the 16 rows' bins of its feature at once (i8x16.gt_u), each row keeping
;;      the result of the node at its own position (path) in the level: path = 2·path + result;
;;   2. the node each row's path reached (the tree's table of 16), then the rest of its walk
;;      (depth - 4 steps at most, leaves point to themselves), eight rows side by side so their chains
;;      of dependent loads overlap, branch-free (the comparison is a 0/1 added to the left child);
;;      once all eight started a step on a leaf (threshold 255, which predictWasm.ts checks no split
;;      has) their walks end there: deep trees' rows mostly reach a leaf well above the deepest one
;;      (a 294-tree depth-20 forest on 1.26 M course-scale rows: 6.05 -> 4.98 CPU s, the same scores).
;; Memory (imported, laid out by predictWasm.ts):
;;   trees:   per tree 16 bytes: root, steps after the top levels, its top table's address, its start table's;
;;   top:     per node j of the perfect top (level k, position p: j = 2^k - 1 + p) 32 bytes: the
;;            threshold in all 16 bytes, then its feature's byte offset f·CHUNK (a leaf: threshold 255, no bin passes);
;;   start:   per tree 16 i32: the real node at each of the 16 paths;
;;   nodes:   per node 8 bytes: left child (absolute), f·CHUNK | threshold (CHUNK a multiple of 256);
;;   values:  per node its f64 leaf value; consts: 16 vectors of bytes p (p = 0 … 15), then 16 bytes of 1;
;;   scratch: 16 bytes (the paths); out: nRows + 16 f64 (a last group of fewer than 16 rows walks
;;            16, into slots the caller does not read).
;; Each row's sum adds tree 0's leaf value to 0, then tree 1's, …, as the JS kernel does, so the
;; two give the same doubles bit for bit. Measured on 1.9 M rows of the course-scale day (100 trees
;; of depth 10, CPU time, one thread): 1.3–1.5 ns a step against the JS kernel's 1.8–2.0 and a plain
;; eight-walk wasm kernel's 1.5–2.0 (binning the floats included: ~0.2 ns a step). The walks are
;; written out: V8 (Node 20) does not inline wasm calls.
(module
  (import "env" "memory" (memory 1))
  (func (export "walk_top") (param $trees i32) (param $nTrees i32) (param $nodes i32) (param $values i32)
    (param $data i32) (param $nRows i32) (param $out i32) (param $consts i32) (param $scratch i32)
    (local $sb i32) (local $sbEnd i32) (local $t i32) (local $rec i32) (local $rest i32) (local $top i32) (local $start i32)
    (local $g i32) (local $h i32) (local $d i32) (local $p i32) (local $w i32) (local $row i32) (local $o i32)
    (local $path v128) (local $bit v128)
    (local $all i32) (local $n0 i32) (local $n1 i32) (local $n2 i32) (local $n3 i32) (local $n4 i32) (local $n5 i32) (local $n6 i32) (local $n7 i32)
    (memory.fill (local.get $out) (i32.const 0) (i32.shl (i32.add (local.get $nRows) (i32.const 16)) (i32.const 3)))
    (block $blocksDone (loop $blockLoop
      (br_if $blocksDone (i32.ge_u (local.get $sb) (local.get $nRows)))
      (local.set $sbEnd (select (i32.add (local.get $sb) (i32.const 16384)) (local.get $nRows) (i32.lt_u (i32.add (local.get $sb) (i32.const 16384)) (local.get $nRows))))
      (local.set $t (i32.const 0))
      (block $treesDone (loop $treeLoop
        (br_if $treesDone (i32.ge_u (local.get $t) (local.get $nTrees)))
        (local.set $rec (i32.add (local.get $trees) (i32.shl (local.get $t) (i32.const 4))))
        (local.set $rest (i32.load offset=4 (local.get $rec)))
        (local.set $top (i32.load offset=8 (local.get $rec)))
        (local.set $start (i32.load offset=12 (local.get $rec)))
        (local.set $g (local.get $sb))
        (block $groupsDone (loop $groupLoop
          (br_if $groupsDone (i32.ge_u (local.get $g) (local.get $sbEnd)))
          (local.set $row (i32.add (local.get $data) (local.get $g)))
          ;; level 0: every row at the root
          (local.set $bit (i8x16.gt_u (v128.load (i32.add (local.get $row) (i32.load offset=16 (local.get $top)))) (v128.load offset=0 (local.get $top))))
          (local.set $path (i8x16.add (i8x16.add (local.get $path) (local.get $path)) (v128.and (local.get $bit) (v128.load offset=256 (local.get $consts)))))
          ;; level 1: each row's test is that of the node at its position (path) in the level
          (local.set $bit (v128.or (v128.and (i8x16.gt_u (v128.load (i32.add (local.get $row) (i32.load offset=48 (local.get $top)))) (v128.load offset=32 (local.get $top))) (i8x16.eq (local.get $path) (v128.load offset=0 (local.get $consts))))
            (v128.and (i8x16.gt_u (v128.load (i32.add (local.get $row) (i32.load offset=80 (local.get $top)))) (v128.load offset=64 (local.get $top))) (i8x16.eq (local.get $path) (v128.load offset=16 (local.get $consts))))))
          (local.set $path (i8x16.add (i8x16.add (local.get $path) (local.get $path)) (v128.and (local.get $bit) (v128.load offset=256 (local.get $consts)))))
          ;; level 2: each row's test is that of the node at its position (path) in the level
          (local.set $bit (v128.or (v128.or (v128.or (v128.and (i8x16.gt_u (v128.load (i32.add (local.get $row) (i32.load offset=112 (local.get $top)))) (v128.load offset=96 (local.get $top))) (i8x16.eq (local.get $path) (v128.load offset=0 (local.get $consts))))
            (v128.and (i8x16.gt_u (v128.load (i32.add (local.get $row) (i32.load offset=144 (local.get $top)))) (v128.load offset=128 (local.get $top))) (i8x16.eq (local.get $path) (v128.load offset=16 (local.get $consts)))))
            (v128.and (i8x16.gt_u (v128.load (i32.add (local.get $row) (i32.load offset=176 (local.get $top)))) (v128.load offset=160 (local.get $top))) (i8x16.eq (local.get $path) (v128.load offset=32 (local.get $consts)))))
            (v128.and (i8x16.gt_u (v128.load (i32.add (local.get $row) (i32.load offset=208 (local.get $top)))) (v128.load offset=192 (local.get $top))) (i8x16.eq (local.get $path) (v128.load offset=48 (local.get $consts))))))
          (local.set $path (i8x16.add (i8x16.add (local.get $path) (local.get $path)) (v128.and (local.get $bit) (v128.load offset=256 (local.get $consts)))))
          ;; level 3: each row's test is that of the node at its position (path) in the level
          (local.set $bit (v128.or (v128.or (v128.or (v128.or (v128.or (v128.or (v128.or (v128.and (i8x16.gt_u (v128.load (i32.add (local.get $row) (i32.load offset=240 (local.get $top)))) (v128.load offset=224 (local.get $top))) (i8x16.eq (local.get $path) (v128.load offset=0 (local.get $consts))))
            (v128.and (i8x16.gt_u (v128.load (i32.add (local.get $row) (i32.load offset=272 (local.get $top)))) (v128.load offset=256 (local.get $top))) (i8x16.eq (local.get $path) (v128.load offset=16 (local.get $consts)))))
            (v128.and (i8x16.gt_u (v128.load (i32.add (local.get $row) (i32.load offset=304 (local.get $top)))) (v128.load offset=288 (local.get $top))) (i8x16.eq (local.get $path) (v128.load offset=32 (local.get $consts)))))
            (v128.and (i8x16.gt_u (v128.load (i32.add (local.get $row) (i32.load offset=336 (local.get $top)))) (v128.load offset=320 (local.get $top))) (i8x16.eq (local.get $path) (v128.load offset=48 (local.get $consts)))))
            (v128.and (i8x16.gt_u (v128.load (i32.add (local.get $row) (i32.load offset=368 (local.get $top)))) (v128.load offset=352 (local.get $top))) (i8x16.eq (local.get $path) (v128.load offset=64 (local.get $consts)))))
            (v128.and (i8x16.gt_u (v128.load (i32.add (local.get $row) (i32.load offset=400 (local.get $top)))) (v128.load offset=384 (local.get $top))) (i8x16.eq (local.get $path) (v128.load offset=80 (local.get $consts)))))
            (v128.and (i8x16.gt_u (v128.load (i32.add (local.get $row) (i32.load offset=432 (local.get $top)))) (v128.load offset=416 (local.get $top))) (i8x16.eq (local.get $path) (v128.load offset=96 (local.get $consts)))))
            (v128.and (i8x16.gt_u (v128.load (i32.add (local.get $row) (i32.load offset=464 (local.get $top)))) (v128.load offset=448 (local.get $top))) (i8x16.eq (local.get $path) (v128.load offset=112 (local.get $consts))))))
          (local.set $path (i8x16.add (i8x16.add (local.get $path) (local.get $path)) (v128.and (local.get $bit) (v128.load offset=256 (local.get $consts)))))
          (v128.store (local.get $scratch) (local.get $path))
          (local.set $path (v128.const i32x4 0 0 0 0))
          ;; rows g+0 … g+7: from the node their four tests reached, the rest of the walk
          (local.set $n0 (i32.load (i32.add (local.get $start) (i32.shl (i32.load8_u offset=0 (local.get $scratch)) (i32.const 2)))))
          (local.set $n1 (i32.load (i32.add (local.get $start) (i32.shl (i32.load8_u offset=1 (local.get $scratch)) (i32.const 2)))))
          (local.set $n2 (i32.load (i32.add (local.get $start) (i32.shl (i32.load8_u offset=2 (local.get $scratch)) (i32.const 2)))))
          (local.set $n3 (i32.load (i32.add (local.get $start) (i32.shl (i32.load8_u offset=3 (local.get $scratch)) (i32.const 2)))))
          (local.set $n4 (i32.load (i32.add (local.get $start) (i32.shl (i32.load8_u offset=4 (local.get $scratch)) (i32.const 2)))))
          (local.set $n5 (i32.load (i32.add (local.get $start) (i32.shl (i32.load8_u offset=5 (local.get $scratch)) (i32.const 2)))))
          (local.set $n6 (i32.load (i32.add (local.get $start) (i32.shl (i32.load8_u offset=6 (local.get $scratch)) (i32.const 2)))))
          (local.set $n7 (i32.load (i32.add (local.get $start) (i32.shl (i32.load8_u offset=7 (local.get $scratch)) (i32.const 2)))))
          (local.set $d (local.get $rest))
          (block $stepsDone0 (loop $stepLoop0
            (br_if $stepsDone0 (i32.eqz (local.get $d)))
            (local.set $p (i32.add (local.get $nodes) (i32.shl (local.get $n0) (i32.const 3))))
            (local.set $w (i32.load offset=4 (local.get $p)))
            (local.set $all (local.get $w))
            (local.set $n0 (i32.add (i32.load (local.get $p))
              (i32.gt_u (i32.load8_u offset=0 (i32.add (local.get $row) (i32.and (local.get $w) (i32.const -256)))) (i32.and (local.get $w) (i32.const 255)))))
            (local.set $p (i32.add (local.get $nodes) (i32.shl (local.get $n1) (i32.const 3))))
            (local.set $w (i32.load offset=4 (local.get $p)))
            (local.set $all (i32.and (local.get $all) (local.get $w)))
            (local.set $n1 (i32.add (i32.load (local.get $p))
              (i32.gt_u (i32.load8_u offset=1 (i32.add (local.get $row) (i32.and (local.get $w) (i32.const -256)))) (i32.and (local.get $w) (i32.const 255)))))
            (local.set $p (i32.add (local.get $nodes) (i32.shl (local.get $n2) (i32.const 3))))
            (local.set $w (i32.load offset=4 (local.get $p)))
            (local.set $all (i32.and (local.get $all) (local.get $w)))
            (local.set $n2 (i32.add (i32.load (local.get $p))
              (i32.gt_u (i32.load8_u offset=2 (i32.add (local.get $row) (i32.and (local.get $w) (i32.const -256)))) (i32.and (local.get $w) (i32.const 255)))))
            (local.set $p (i32.add (local.get $nodes) (i32.shl (local.get $n3) (i32.const 3))))
            (local.set $w (i32.load offset=4 (local.get $p)))
            (local.set $all (i32.and (local.get $all) (local.get $w)))
            (local.set $n3 (i32.add (i32.load (local.get $p))
              (i32.gt_u (i32.load8_u offset=3 (i32.add (local.get $row) (i32.and (local.get $w) (i32.const -256)))) (i32.and (local.get $w) (i32.const 255)))))
            (local.set $p (i32.add (local.get $nodes) (i32.shl (local.get $n4) (i32.const 3))))
            (local.set $w (i32.load offset=4 (local.get $p)))
            (local.set $all (i32.and (local.get $all) (local.get $w)))
            (local.set $n4 (i32.add (i32.load (local.get $p))
              (i32.gt_u (i32.load8_u offset=4 (i32.add (local.get $row) (i32.and (local.get $w) (i32.const -256)))) (i32.and (local.get $w) (i32.const 255)))))
            (local.set $p (i32.add (local.get $nodes) (i32.shl (local.get $n5) (i32.const 3))))
            (local.set $w (i32.load offset=4 (local.get $p)))
            (local.set $all (i32.and (local.get $all) (local.get $w)))
            (local.set $n5 (i32.add (i32.load (local.get $p))
              (i32.gt_u (i32.load8_u offset=5 (i32.add (local.get $row) (i32.and (local.get $w) (i32.const -256)))) (i32.and (local.get $w) (i32.const 255)))))
            (local.set $p (i32.add (local.get $nodes) (i32.shl (local.get $n6) (i32.const 3))))
            (local.set $w (i32.load offset=4 (local.get $p)))
            (local.set $all (i32.and (local.get $all) (local.get $w)))
            (local.set $n6 (i32.add (i32.load (local.get $p))
              (i32.gt_u (i32.load8_u offset=6 (i32.add (local.get $row) (i32.and (local.get $w) (i32.const -256)))) (i32.and (local.get $w) (i32.const 255)))))
            (local.set $p (i32.add (local.get $nodes) (i32.shl (local.get $n7) (i32.const 3))))
            (local.set $w (i32.load offset=4 (local.get $p)))
            (local.set $all (i32.and (local.get $all) (local.get $w)))
            (local.set $n7 (i32.add (i32.load (local.get $p))
              (i32.gt_u (i32.load8_u offset=7 (i32.add (local.get $row) (i32.and (local.get $w) (i32.const -256)))) (i32.and (local.get $w) (i32.const 255)))))
            ;; every row of the eight at a leaf (threshold 255: a leaf's, never a split's): the walks are done
            (br_if $stepsDone0 (i32.eq (i32.and (local.get $all) (i32.const 255)) (i32.const 255)))
            (local.set $d (i32.sub (local.get $d) (i32.const 1)))
            (br $stepLoop0)))
          (local.set $o (i32.add (local.get $out) (i32.shl (local.get $g) (i32.const 3))))
          (f64.store offset=0 (local.get $o) (f64.add (f64.load offset=0 (local.get $o)) (f64.load (i32.add (local.get $values) (i32.shl (local.get $n0) (i32.const 3))))))
          (f64.store offset=8 (local.get $o) (f64.add (f64.load offset=8 (local.get $o)) (f64.load (i32.add (local.get $values) (i32.shl (local.get $n1) (i32.const 3))))))
          (f64.store offset=16 (local.get $o) (f64.add (f64.load offset=16 (local.get $o)) (f64.load (i32.add (local.get $values) (i32.shl (local.get $n2) (i32.const 3))))))
          (f64.store offset=24 (local.get $o) (f64.add (f64.load offset=24 (local.get $o)) (f64.load (i32.add (local.get $values) (i32.shl (local.get $n3) (i32.const 3))))))
          (f64.store offset=32 (local.get $o) (f64.add (f64.load offset=32 (local.get $o)) (f64.load (i32.add (local.get $values) (i32.shl (local.get $n4) (i32.const 3))))))
          (f64.store offset=40 (local.get $o) (f64.add (f64.load offset=40 (local.get $o)) (f64.load (i32.add (local.get $values) (i32.shl (local.get $n5) (i32.const 3))))))
          (f64.store offset=48 (local.get $o) (f64.add (f64.load offset=48 (local.get $o)) (f64.load (i32.add (local.get $values) (i32.shl (local.get $n6) (i32.const 3))))))
          (f64.store offset=56 (local.get $o) (f64.add (f64.load offset=56 (local.get $o)) (f64.load (i32.add (local.get $values) (i32.shl (local.get $n7) (i32.const 3))))))
          ;; rows g+8 … g+15: from the node their four tests reached, the rest of the walk
          (local.set $n0 (i32.load (i32.add (local.get $start) (i32.shl (i32.load8_u offset=8 (local.get $scratch)) (i32.const 2)))))
          (local.set $n1 (i32.load (i32.add (local.get $start) (i32.shl (i32.load8_u offset=9 (local.get $scratch)) (i32.const 2)))))
          (local.set $n2 (i32.load (i32.add (local.get $start) (i32.shl (i32.load8_u offset=10 (local.get $scratch)) (i32.const 2)))))
          (local.set $n3 (i32.load (i32.add (local.get $start) (i32.shl (i32.load8_u offset=11 (local.get $scratch)) (i32.const 2)))))
          (local.set $n4 (i32.load (i32.add (local.get $start) (i32.shl (i32.load8_u offset=12 (local.get $scratch)) (i32.const 2)))))
          (local.set $n5 (i32.load (i32.add (local.get $start) (i32.shl (i32.load8_u offset=13 (local.get $scratch)) (i32.const 2)))))
          (local.set $n6 (i32.load (i32.add (local.get $start) (i32.shl (i32.load8_u offset=14 (local.get $scratch)) (i32.const 2)))))
          (local.set $n7 (i32.load (i32.add (local.get $start) (i32.shl (i32.load8_u offset=15 (local.get $scratch)) (i32.const 2)))))
          (local.set $d (local.get $rest))
          (block $stepsDone1 (loop $stepLoop1
            (br_if $stepsDone1 (i32.eqz (local.get $d)))
            (local.set $p (i32.add (local.get $nodes) (i32.shl (local.get $n0) (i32.const 3))))
            (local.set $w (i32.load offset=4 (local.get $p)))
            (local.set $all (local.get $w))
            (local.set $n0 (i32.add (i32.load (local.get $p))
              (i32.gt_u (i32.load8_u offset=8 (i32.add (local.get $row) (i32.and (local.get $w) (i32.const -256)))) (i32.and (local.get $w) (i32.const 255)))))
            (local.set $p (i32.add (local.get $nodes) (i32.shl (local.get $n1) (i32.const 3))))
            (local.set $w (i32.load offset=4 (local.get $p)))
            (local.set $all (i32.and (local.get $all) (local.get $w)))
            (local.set $n1 (i32.add (i32.load (local.get $p))
              (i32.gt_u (i32.load8_u offset=9 (i32.add (local.get $row) (i32.and (local.get $w) (i32.const -256)))) (i32.and (local.get $w) (i32.const 255)))))
            (local.set $p (i32.add (local.get $nodes) (i32.shl (local.get $n2) (i32.const 3))))
            (local.set $w (i32.load offset=4 (local.get $p)))
            (local.set $all (i32.and (local.get $all) (local.get $w)))
            (local.set $n2 (i32.add (i32.load (local.get $p))
              (i32.gt_u (i32.load8_u offset=10 (i32.add (local.get $row) (i32.and (local.get $w) (i32.const -256)))) (i32.and (local.get $w) (i32.const 255)))))
            (local.set $p (i32.add (local.get $nodes) (i32.shl (local.get $n3) (i32.const 3))))
            (local.set $w (i32.load offset=4 (local.get $p)))
            (local.set $all (i32.and (local.get $all) (local.get $w)))
            (local.set $n3 (i32.add (i32.load (local.get $p))
              (i32.gt_u (i32.load8_u offset=11 (i32.add (local.get $row) (i32.and (local.get $w) (i32.const -256)))) (i32.and (local.get $w) (i32.const 255)))))
            (local.set $p (i32.add (local.get $nodes) (i32.shl (local.get $n4) (i32.const 3))))
            (local.set $w (i32.load offset=4 (local.get $p)))
            (local.set $all (i32.and (local.get $all) (local.get $w)))
            (local.set $n4 (i32.add (i32.load (local.get $p))
              (i32.gt_u (i32.load8_u offset=12 (i32.add (local.get $row) (i32.and (local.get $w) (i32.const -256)))) (i32.and (local.get $w) (i32.const 255)))))
            (local.set $p (i32.add (local.get $nodes) (i32.shl (local.get $n5) (i32.const 3))))
            (local.set $w (i32.load offset=4 (local.get $p)))
            (local.set $all (i32.and (local.get $all) (local.get $w)))
            (local.set $n5 (i32.add (i32.load (local.get $p))
              (i32.gt_u (i32.load8_u offset=13 (i32.add (local.get $row) (i32.and (local.get $w) (i32.const -256)))) (i32.and (local.get $w) (i32.const 255)))))
            (local.set $p (i32.add (local.get $nodes) (i32.shl (local.get $n6) (i32.const 3))))
            (local.set $w (i32.load offset=4 (local.get $p)))
            (local.set $all (i32.and (local.get $all) (local.get $w)))
            (local.set $n6 (i32.add (i32.load (local.get $p))
              (i32.gt_u (i32.load8_u offset=14 (i32.add (local.get $row) (i32.and (local.get $w) (i32.const -256)))) (i32.and (local.get $w) (i32.const 255)))))
            (local.set $p (i32.add (local.get $nodes) (i32.shl (local.get $n7) (i32.const 3))))
            (local.set $w (i32.load offset=4 (local.get $p)))
            (local.set $all (i32.and (local.get $all) (local.get $w)))
            (local.set $n7 (i32.add (i32.load (local.get $p))
              (i32.gt_u (i32.load8_u offset=15 (i32.add (local.get $row) (i32.and (local.get $w) (i32.const -256)))) (i32.and (local.get $w) (i32.const 255)))))
            ;; every row of the eight at a leaf (threshold 255: a leaf's, never a split's): the walks are done
            (br_if $stepsDone1 (i32.eq (i32.and (local.get $all) (i32.const 255)) (i32.const 255)))
            (local.set $d (i32.sub (local.get $d) (i32.const 1)))
            (br $stepLoop1)))
          (local.set $o (i32.add (local.get $out) (i32.shl (local.get $g) (i32.const 3))))
          (f64.store offset=64 (local.get $o) (f64.add (f64.load offset=64 (local.get $o)) (f64.load (i32.add (local.get $values) (i32.shl (local.get $n0) (i32.const 3))))))
          (f64.store offset=72 (local.get $o) (f64.add (f64.load offset=72 (local.get $o)) (f64.load (i32.add (local.get $values) (i32.shl (local.get $n1) (i32.const 3))))))
          (f64.store offset=80 (local.get $o) (f64.add (f64.load offset=80 (local.get $o)) (f64.load (i32.add (local.get $values) (i32.shl (local.get $n2) (i32.const 3))))))
          (f64.store offset=88 (local.get $o) (f64.add (f64.load offset=88 (local.get $o)) (f64.load (i32.add (local.get $values) (i32.shl (local.get $n3) (i32.const 3))))))
          (f64.store offset=96 (local.get $o) (f64.add (f64.load offset=96 (local.get $o)) (f64.load (i32.add (local.get $values) (i32.shl (local.get $n4) (i32.const 3))))))
          (f64.store offset=104 (local.get $o) (f64.add (f64.load offset=104 (local.get $o)) (f64.load (i32.add (local.get $values) (i32.shl (local.get $n5) (i32.const 3))))))
          (f64.store offset=112 (local.get $o) (f64.add (f64.load offset=112 (local.get $o)) (f64.load (i32.add (local.get $values) (i32.shl (local.get $n6) (i32.const 3))))))
          (f64.store offset=120 (local.get $o) (f64.add (f64.load offset=120 (local.get $o)) (f64.load (i32.add (local.get $values) (i32.shl (local.get $n7) (i32.const 3))))))
          (local.set $g (i32.add (local.get $g) (i32.const 16)))
          (br $groupLoop)))
        (local.set $t (i32.add (local.get $t) (i32.const 1)))
        (br $treeLoop)))
      (local.set $sb (i32.add (local.get $sb) (i32.const 16384)))
      (br $blockLoop))))
)
