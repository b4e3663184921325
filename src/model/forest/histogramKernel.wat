;; The inner loops of the forest grower in WebAssembly: histogram.ts's `accumulate` and
;; `partition`, and bootstrap.ts's `drawBootstrap` and `copyDrawnRows` (the JS versions, kept as the oracle and for tables too large for a wasm memory)
;; without their per-access bounds checks; accumulate is ~2× faster per row-feature. `npm run build:wasm` (scripts/build-wasm.mjs, wabt
;; pinned in devDependencies) compiles this file into histogramKernelWasm.ts; a test recompiles
;; it and checks the two agree. The increments are written out rather than called: V8 (Node 20)
;; does not inline wasm calls, and a call per word cost a third of the gain.
;;
;; Memory (imported, owned by workspace.ts): the working rows at byte 0, group-major (word g of row
;; i at 4·(g·cap + i), four feature bins per word, little-endian; the last group's top byte is the
;; tag `copies | label << 7`), then histograms: per group 1024 i32 slots (256 per byte of the
;; word), a `cnt` and a `pos` histogram anywhere after the rows.
;;
;; The tag word's first three bytes are always added: when it holds fewer than three features, the
;; bytes past them are 0 and land in bin 0 of feature slots no feature has and nothing reads
;; (branch-free: a row costs the same whatever nFeatures mod 4 is).
(module
  (import "env" "memory" (memory 1))

  ;; accumulate(cap, full, start, end, cnt, pos): adds working rows [start, end) of a table of
  ;; capacity `cap` with `full` whole feature words to the histograms at byte offsets cnt and pos
  ;; (each row's copies to cnt, and to pos too when its label is 1).
  (func (export "accumulate") (param $cap i32) (param $full i32) (param $start i32) (param $end i32) (param $cnt i32) (param $pos i32)
    (local $p i32) (local $pend i32) (local $q i32) (local $h i32) (local $g i32) (local $x i32) (local $a i32) (local $c i32)
    (local $stride i32) (local $tagOff i32) (local $tagHist i32) (local $tagWord i32)
    (local.set $stride (i32.shl (local.get $cap) (i32.const 2)))
    (local.set $tagOff (i32.mul (local.get $full) (local.get $stride)))
    (local.set $tagHist (i32.shl (local.get $full) (i32.const 12)))
    (local.set $p (i32.shl (local.get $start) (i32.const 2)))
    (local.set $pend (i32.shl (local.get $end) (i32.const 2)))
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $p) (local.get $pend)))
        (local.set $tagWord (i32.load (i32.add (local.get $p) (local.get $tagOff))))
        (local.set $c (i32.and (i32.shr_u (local.get $tagWord) (i32.const 24)) (i32.const 127)))
        ;; every row into cnt: the tag word's three feature bytes, then the `full` whole words
        (local.set $x (local.get $tagWord))
        (local.set $h (i32.add (local.get $cnt) (local.get $tagHist)))
        (local.set $a (i32.add (local.get $h) (i32.shl (i32.and (local.get $x) (i32.const 255)) (i32.const 2))))
        (i32.store (local.get $a) (i32.add (i32.load (local.get $a)) (local.get $c)))
        (local.set $a (i32.add (local.get $h) (i32.and (i32.shr_u (local.get $x) (i32.const 6)) (i32.const 1020))))
        (i32.store offset=1024 (local.get $a) (i32.add (i32.load offset=1024 (local.get $a)) (local.get $c)))
        (local.set $a (i32.add (local.get $h) (i32.and (i32.shr_u (local.get $x) (i32.const 14)) (i32.const 1020))))
        (i32.store offset=2048 (local.get $a) (i32.add (i32.load offset=2048 (local.get $a)) (local.get $c)))
        (local.set $q (local.get $p))
        (local.set $h (local.get $cnt))
        (local.set $g (local.get $full))
        (block $dcnt (loop $lcnt
            (br_if $dcnt (i32.eqz (local.get $g)))
            (local.set $x (i32.load (local.get $q)))
            (local.set $a (i32.add (local.get $h) (i32.shl (i32.and (local.get $x) (i32.const 255)) (i32.const 2))))
            (i32.store (local.get $a) (i32.add (i32.load (local.get $a)) (local.get $c)))
            (local.set $a (i32.add (local.get $h) (i32.and (i32.shr_u (local.get $x) (i32.const 6)) (i32.const 1020))))
            (i32.store offset=1024 (local.get $a) (i32.add (i32.load offset=1024 (local.get $a)) (local.get $c)))
            (local.set $a (i32.add (local.get $h) (i32.and (i32.shr_u (local.get $x) (i32.const 14)) (i32.const 1020))))
            (i32.store offset=2048 (local.get $a) (i32.add (i32.load offset=2048 (local.get $a)) (local.get $c)))
            (local.set $a (i32.add (local.get $h) (i32.and (i32.shr_u (local.get $x) (i32.const 22)) (i32.const 1020))))
            (i32.store offset=3072 (local.get $a) (i32.add (i32.load offset=3072 (local.get $a)) (local.get $c)))
            (local.set $q (i32.add (local.get $q) (local.get $stride)))
            (local.set $h (i32.add (local.get $h) (i32.const 4096)))
            (local.set $g (i32.sub (local.get $g) (i32.const 1)))
            (br $lcnt)))
        (if (i32.lt_s (local.get $tagWord) (i32.const 0))
          (then (call $addPos (local.get $p) (local.get $stride) (local.get $full) (local.get $tagWord) (local.get $tagHist) (local.get $pos) (local.get $c))))
        (local.set $p (i32.add (local.get $p) (i32.const 4)))
        (br $rows))))

;; accumulate3(cap, start, end, cnt, pos): accumulate with three whole feature words (12 to 15
  ;; features, fraudctl's 15), written out: no loop over the words and no histogram pointer to step
  ;; (each slot's offset an immediate). The same additions in the same order as accumulate.
  (func (export "accumulate3") (param $cap i32) (param $start i32) (param $end i32) (param $cnt i32) (param $pos i32)
    (local $p i32) (local $pend i32) (local $stride i32) (local $word2 i32) (local $tagOff i32) (local $x i32) (local $a i32) (local $c i32) (local $tagWord i32)
    (local.set $stride (i32.shl (local.get $cap) (i32.const 2)))
    (local.set $word2 (i32.shl (local.get $stride) (i32.const 1)))
    (local.set $tagOff (i32.mul (local.get $stride) (i32.const 3)))
    (local.set $p (i32.shl (local.get $start) (i32.const 2)))
    (local.set $pend (i32.shl (local.get $end) (i32.const 2)))
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $p) (local.get $pend)))
        (local.set $tagWord (i32.load (i32.add (local.get $p) (local.get $tagOff))))
        (local.set $c (i32.and (i32.shr_u (local.get $tagWord) (i32.const 24)) (i32.const 127)))
        ;; the tag word's three feature bytes (group 3's slots, from 12288)
        (local.set $a (i32.add (local.get $cnt) (i32.shl (i32.and (local.get $tagWord) (i32.const 255)) (i32.const 2))))
        (i32.store offset=12288 (local.get $a) (i32.add (i32.load offset=12288 (local.get $a)) (local.get $c)))
        (local.set $a (i32.add (local.get $cnt) (i32.and (i32.shr_u (local.get $tagWord) (i32.const 6)) (i32.const 1020))))
        (i32.store offset=13312 (local.get $a) (i32.add (i32.load offset=13312 (local.get $a)) (local.get $c)))
        (local.set $a (i32.add (local.get $cnt) (i32.and (i32.shr_u (local.get $tagWord) (i32.const 14)) (i32.const 1020))))
        (i32.store offset=14336 (local.get $a) (i32.add (i32.load offset=14336 (local.get $a)) (local.get $c)))
        ;; word 0: slots from 0
        (local.set $x (i32.load (local.get $p)))
        (local.set $a (i32.add (local.get $cnt) (i32.shl (i32.and (local.get $x) (i32.const 255)) (i32.const 2))))
        (i32.store offset=0 (local.get $a) (i32.add (i32.load offset=0 (local.get $a)) (local.get $c)))
        (local.set $a (i32.add (local.get $cnt) (i32.and (i32.shr_u (local.get $x) (i32.const 6)) (i32.const 1020))))
        (i32.store offset=1024 (local.get $a) (i32.add (i32.load offset=1024 (local.get $a)) (local.get $c)))
        (local.set $a (i32.add (local.get $cnt) (i32.and (i32.shr_u (local.get $x) (i32.const 14)) (i32.const 1020))))
        (i32.store offset=2048 (local.get $a) (i32.add (i32.load offset=2048 (local.get $a)) (local.get $c)))
        (local.set $a (i32.add (local.get $cnt) (i32.and (i32.shr_u (local.get $x) (i32.const 22)) (i32.const 1020))))
        (i32.store offset=3072 (local.get $a) (i32.add (i32.load offset=3072 (local.get $a)) (local.get $c)))
        ;; word 1: slots from 4096
        (local.set $x (i32.load (i32.add (local.get $p) (local.get $stride))))
        (local.set $a (i32.add (local.get $cnt) (i32.shl (i32.and (local.get $x) (i32.const 255)) (i32.const 2))))
        (i32.store offset=4096 (local.get $a) (i32.add (i32.load offset=4096 (local.get $a)) (local.get $c)))
        (local.set $a (i32.add (local.get $cnt) (i32.and (i32.shr_u (local.get $x) (i32.const 6)) (i32.const 1020))))
        (i32.store offset=5120 (local.get $a) (i32.add (i32.load offset=5120 (local.get $a)) (local.get $c)))
        (local.set $a (i32.add (local.get $cnt) (i32.and (i32.shr_u (local.get $x) (i32.const 14)) (i32.const 1020))))
        (i32.store offset=6144 (local.get $a) (i32.add (i32.load offset=6144 (local.get $a)) (local.get $c)))
        (local.set $a (i32.add (local.get $cnt) (i32.and (i32.shr_u (local.get $x) (i32.const 22)) (i32.const 1020))))
        (i32.store offset=7168 (local.get $a) (i32.add (i32.load offset=7168 (local.get $a)) (local.get $c)))
        ;; word 2: slots from 8192
        (local.set $x (i32.load (i32.add (local.get $p) (local.get $word2))))
        (local.set $a (i32.add (local.get $cnt) (i32.shl (i32.and (local.get $x) (i32.const 255)) (i32.const 2))))
        (i32.store offset=8192 (local.get $a) (i32.add (i32.load offset=8192 (local.get $a)) (local.get $c)))
        (local.set $a (i32.add (local.get $cnt) (i32.and (i32.shr_u (local.get $x) (i32.const 6)) (i32.const 1020))))
        (i32.store offset=9216 (local.get $a) (i32.add (i32.load offset=9216 (local.get $a)) (local.get $c)))
        (local.set $a (i32.add (local.get $cnt) (i32.and (i32.shr_u (local.get $x) (i32.const 14)) (i32.const 1020))))
        (i32.store offset=10240 (local.get $a) (i32.add (i32.load offset=10240 (local.get $a)) (local.get $c)))
        (local.set $a (i32.add (local.get $cnt) (i32.and (i32.shr_u (local.get $x) (i32.const 22)) (i32.const 1020))))
        (i32.store offset=11264 (local.get $a) (i32.add (i32.load offset=11264 (local.get $a)) (local.get $c)))
        (if (i32.lt_s (local.get $tagWord) (i32.const 0))
          (then (call $addPos (local.get $p) (local.get $stride) (i32.const 3) (local.get $tagWord) (i32.const 12288) (local.get $pos) (local.get $c))))
        (local.set $p (i32.add (local.get $p) (i32.const 4)))
        (br $rows))))


;; partition(cap, groups, start, end, f, t, buf): reorders working rows [start, end) so that those
  ;; with bin <= t of feature f come first; returns the first row of the right part. Block partition
  ;; (Edelkamp and Weiss's BlockQuicksort): while 256 rows or more are left, the next 128 at each end
  ;; are scanned without a branch, the offsets of the misplaced ones listed (bytes at buf and
  ;; buf + 128), and the listed pairs swapped (all their words); a block with no misplaced row left
  ;; is passed. The rest (under 256 rows, or blocks part-done) by Hoare's scheme. The k-th misplaced
  ;; row from the left still swaps with the k-th from the right, so the rows end in the very order
  ;; of histogram.ts's partition (Hoare's alone; a test compares them). Hoare's scan alone
  ;; mispredicted a branch at every run of rows going one way: partition was 39 % of a worker's time
  ;; in a course-scale train (trial 4: 294 trees of depth 20), and its fit 10.1 -> 8.7 s with this (medians of 3).
  (func (export "partition") (param $cap i32) (param $groups i32) (param $start i32) (param $end i32) (param $f i32) (param $t i32) (param $buf i32) (result i32)
    (local $base i32) (local $i i32) (local $j i32) (local $a i32) (local $b i32) (local $g i32) (local $x i32) (local $stride i32)
    (local $numL i32) (local $numR i32) (local $startL i32) (local $startR i32) (local $k i32) (local $num i32) (local $p i32)
    (local.set $stride (i32.shl (local.get $cap) (i32.const 2)))
    (local.set $base (i32.add (i32.mul (i32.shr_u (local.get $f) (i32.const 2)) (local.get $stride)) (i32.and (local.get $f) (i32.const 3))))
    (local.set $i (local.get $start))
    (local.set $j (i32.sub (local.get $end) (i32.const 1)))
    (block $blocksDone
      (loop $blocks
        ;; the two blocks [i, i + 128) and (j - 128, j] must not overlap: j - i + 1 >= 256
        (br_if $blocksDone (i32.lt_s (i32.sub (local.get $j) (local.get $i)) (i32.const 255)))
        (if (i32.eqz (local.get $numL))
          (then
            (local.set $startL (i32.const 0))
            (local.set $k (i32.const 0))
            (local.set $p (i32.add (local.get $base) (i32.shl (local.get $i) (i32.const 2))))
            (loop $scanL
              (i32.store8 (i32.add (local.get $buf) (local.get $numL)) (local.get $k))
              (local.set $numL (i32.add (local.get $numL) (i32.gt_u (i32.load8_u (local.get $p)) (local.get $t))))
              (local.set $p (i32.add (local.get $p) (i32.const 4)))
              (local.set $k (i32.add (local.get $k) (i32.const 1)))
              (br_if $scanL (i32.lt_u (local.get $k) (i32.const 128))))))
        (if (i32.eqz (local.get $numR))
          (then
            (local.set $startR (i32.const 0))
            (local.set $k (i32.const 0))
            (local.set $p (i32.add (local.get $base) (i32.shl (local.get $j) (i32.const 2))))
            (loop $scanR
              (i32.store8 offset=128 (i32.add (local.get $buf) (local.get $numR)) (local.get $k))
              (local.set $numR (i32.add (local.get $numR) (i32.le_u (i32.load8_u (local.get $p)) (local.get $t))))
              (local.set $p (i32.sub (local.get $p) (i32.const 4)))
              (local.set $k (i32.add (local.get $k) (i32.const 1)))
              (br_if $scanR (i32.lt_u (local.get $k) (i32.const 128))))))
        (local.set $num (select (local.get $numL) (local.get $numR) (i32.lt_u (local.get $numL) (local.get $numR))))
        (local.set $k (i32.const 0))
        (block $swapsDone
          (loop $swaps
            (br_if $swapsDone (i32.ge_u (local.get $k) (local.get $num)))
            (local.set $a (i32.shl (i32.add (local.get $i) (i32.load8_u (i32.add (local.get $buf) (i32.add (local.get $startL) (local.get $k))))) (i32.const 2)))
            (local.set $b (i32.shl (i32.sub (local.get $j) (i32.load8_u offset=128 (i32.add (local.get $buf) (i32.add (local.get $startR) (local.get $k))))) (i32.const 2)))
            (local.set $g (local.get $groups))
            (loop $words
              (local.set $x (i32.load (local.get $a)))
              (i32.store (local.get $a) (i32.load (local.get $b)))
              (i32.store (local.get $b) (local.get $x))
              (local.set $a (i32.add (local.get $a) (local.get $stride)))
              (local.set $b (i32.add (local.get $b) (local.get $stride)))
              (local.set $g (i32.sub (local.get $g) (i32.const 1)))
              (br_if $words (local.get $g)))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $swaps)))
        (local.set $numL (i32.sub (local.get $numL) (local.get $num)))
        (local.set $numR (i32.sub (local.get $numR) (local.get $num)))
        (local.set $startL (i32.add (local.get $startL) (local.get $num)))
        (local.set $startR (i32.add (local.get $startR) (local.get $num)))
        (if (i32.eqz (local.get $numL)) (then (local.set $i (i32.add (local.get $i) (i32.const 128)))))
        (if (i32.eqz (local.get $numR)) (then (local.set $j (i32.sub (local.get $j) (i32.const 128)))))
        (br $blocks)))
    ;; Hoare's scheme on [i, j]: rows left of i are all <= t, rows right of j all > t.
    (loop $scan
      (block $leftDone
        (loop $left
          (br_if $leftDone (i32.gt_s (local.get $i) (local.get $j)))
          (br_if $leftDone (i32.gt_u (i32.load8_u (i32.add (local.get $base) (i32.shl (local.get $i) (i32.const 2)))) (local.get $t)))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $left)))
      (block $rightDone
        (loop $right
          (br_if $rightDone (i32.gt_s (local.get $i) (local.get $j)))
          (br_if $rightDone (i32.le_u (i32.load8_u (i32.add (local.get $base) (i32.shl (local.get $j) (i32.const 2)))) (local.get $t)))
          (local.set $j (i32.sub (local.get $j) (i32.const 1)))
          (br $right)))
      (if (i32.gt_s (local.get $i) (local.get $j)) (then (return (local.get $i))))
      (local.set $a (i32.shl (local.get $i) (i32.const 2)))
      (local.set $b (i32.shl (local.get $j) (i32.const 2)))
      (local.set $g (local.get $groups))
      (loop $swap
        (local.set $x (i32.load (local.get $a)))
        (i32.store (local.get $a) (i32.load (local.get $b)))
        (i32.store (local.get $b) (local.get $x))
        (local.set $a (i32.add (local.get $a) (local.get $stride)))
        (local.set $b (i32.add (local.get $b) (local.get $stride)))
        (local.set $g (i32.sub (local.get $g) (i32.const 1)))
        (br_if $swap (local.get $g)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (local.set $j (i32.sub (local.get $j) (i32.const 1)))
      (br $scan))
    (local.get $i))

;; bootstrap(state, n, counts, reject, limit): n draws with replacement from n rows, as bootstrap.ts's
  ;; drawBootstrap: xoshiro128** (util/rng.ts's u32, its state as four i32 at `state`, written back)
  ;; and Lemire's multiply-shift with rejection (the low 32 bits of x·n below `reject` are redrawn),
  ;; counts[i] += 1 for each draw i. Returns 1 — state and counts then unusable, the caller redraws
  ;; in JS from the state it had — if a count would pass `limit` (127, MAX_COPIES: in practice never).
  (func (export "bootstrap") (param $state i32) (param $n i32) (param $counts i32) (param $reject i32) (param $limit i32) (result i32)
    (local $a i32) (local $b i32) (local $c i32) (local $d i32) (local $x i32) (local $t i32) (local $left i32) (local $m i64) (local $at i32) (local $k i32)
    (local.set $a (i32.load (local.get $state)))
    (local.set $b (i32.load offset=4 (local.get $state)))
    (local.set $c (i32.load offset=8 (local.get $state)))
    (local.set $d (i32.load offset=12 (local.get $state)))
    (local.set $left (local.get $n))
    (block $done
      (loop $draw
        (br_if $done (i32.eqz (local.get $left)))
        ;; x = u32(): rotl(b·5, 7)·9, then the state's step
        (local.set $x (i32.mul (i32.rotl (i32.mul (local.get $b) (i32.const 5)) (i32.const 7)) (i32.const 9)))
        (local.set $t (i32.shl (local.get $b) (i32.const 9)))
        (local.set $c (i32.xor (local.get $c) (local.get $a)))
        (local.set $d (i32.xor (local.get $d) (local.get $b)))
        (local.set $b (i32.xor (local.get $b) (local.get $c)))
        (local.set $a (i32.xor (local.get $a) (local.get $d)))
        (local.set $c (i32.xor (local.get $c) (local.get $t)))
        (local.set $d (i32.rotl (local.get $d) (i32.const 11)))
        (local.set $m (i64.mul (i64.extend_i32_u (local.get $x)) (i64.extend_i32_u (local.get $n))))
        (if (i32.ge_u (i32.wrap_i64 (local.get $m)) (local.get $reject))
          (then
            (local.set $at (i32.add (local.get $counts) (i32.wrap_i64 (i64.shr_u (local.get $m) (i64.const 32)))))
            (local.set $k (i32.load8_u (local.get $at)))
            (if (i32.ge_u (local.get $k) (local.get $limit)) (then (return (i32.const 1))))
            (i32.store8 (local.get $at) (i32.add (local.get $k) (i32.const 1)))
            (local.set $left (i32.sub (local.get $left) (i32.const 1)))))
        (br $draw)))
    (i32.store (local.get $state) (local.get $a))
    (i32.store offset=4 (local.get $state) (local.get $b))
    (i32.store offset=8 (local.get $state) (local.get $c))
    (i32.store offset=12 (local.get $state) (local.get $d))
    (i32.const 0))

;; subtract(parent, child, bytes, posOffset): parent -= child over the first `bytes` of both
  ;; histograms (cnt at the offsets given, pos posOffset further on), four slots at a time (SIMD).
  ;; histogram.ts's subtract stops at each feature's nBins; the slots past them are 0 in both.
  (func (export "subtract") (param $parent i32) (param $child i32) (param $bytes i32) (param $posOffset i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $parent) (local.get $bytes)))
    (block $done
      (loop $slots
        (br_if $done (i32.ge_u (local.get $parent) (local.get $end)))
        (v128.store (local.get $parent) (i32x4.sub (v128.load (local.get $parent)) (v128.load (local.get $child))))
        (v128.store (i32.add (local.get $parent) (local.get $posOffset))
          (i32x4.sub (v128.load (i32.add (local.get $parent) (local.get $posOffset))) (v128.load (i32.add (local.get $child) (local.get $posOffset)))))
        (local.set $parent (i32.add (local.get $parent) (i32.const 16)))
        (local.set $child (i32.add (local.get $child) (i32.const 16)))
        (br $slots))))

  ;; clear(h, bytes, posOffset): zeroes the first `bytes` of a cnt histogram and of its pos one.
  (func (export "clear") (param $h i32) (param $bytes i32) (param $posOffset i32)
    (memory.fill (local.get $h) (i32.const 0) (local.get $bytes))
    (memory.fill (i32.add (local.get $h) (local.get $posOffset)) (i32.const 0) (local.get $bytes)))

  ;; copy(table, n, groups, cap, counts, out): the drawn rows as working rows, in table order, as
  ;; bootstrap.ts's copyDrawnRows writes them in JS (the drawn rows listed, then their words
  ;; gathered), in one pass. The fit's table is a private copy at byte `table` (group-major, n rows
  ;; a group: workspace.ts's loadTable); each row i < n with counts[i] > 0 becomes working row m
  ;; (word g at 4·(g·cap + m)), the last group's top byte (the label) rewritten as the tag
  ;; counts[i] | label << 7. Branch-free: every row is written at m, and m only moves on past a
  ;; drawn one. Returns m; the draws (the sum of the counts) are stored at `out`, the fraud ones at
  ;; out + 4.
  (func (export "copy") (param $table i32) (param $n i32) (param $groups i32) (param $cap i32) (param $counts i32) (param $out i32) (result i32)
    (local $i i32) (local $m i32) (local $c i32) (local $g i32) (local $src i32) (local $dst i32) (local $x i32) (local $label i32)
    (local $cnt i32) (local $pos i32) (local $last i32) (local $srcStride i32) (local $dstStride i32)
    (local.set $last (i32.sub (local.get $groups) (i32.const 1)))
    (local.set $srcStride (i32.shl (local.get $n) (i32.const 2)))
    (local.set $dstStride (i32.shl (local.get $cap) (i32.const 2)))
    (block $done
      (loop $row
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $c (i32.load8_u (i32.add (local.get $counts) (local.get $i))))
        (local.set $src (i32.add (local.get $table) (i32.shl (local.get $i) (i32.const 2))))
        (local.set $dst (i32.shl (local.get $m) (i32.const 2)))
        (if (i32.eq (local.get $last) (i32.const 3))
          (then
            ;; Three data words (12…15 features: fraudctl's 15), written out.
            (i32.store (local.get $dst) (i32.load (local.get $src)))
            (i32.store (i32.add (local.get $dst) (local.get $dstStride)) (i32.load (i32.add (local.get $src) (local.get $srcStride))))
            (local.set $src (i32.add (local.get $src) (i32.shl (local.get $srcStride) (i32.const 1))))
            (local.set $dst (i32.add (local.get $dst) (i32.shl (local.get $dstStride) (i32.const 1))))
            (i32.store (local.get $dst) (i32.load (local.get $src)))
            (local.set $src (i32.add (local.get $src) (local.get $srcStride)))
            (local.set $dst (i32.add (local.get $dst) (local.get $dstStride))))
          (else
            (local.set $g (local.get $last))
            (block $tags
              (loop $word
                (br_if $tags (i32.eqz (local.get $g)))
                (i32.store (local.get $dst) (i32.load (local.get $src)))
                (local.set $src (i32.add (local.get $src) (local.get $srcStride)))
                (local.set $dst (i32.add (local.get $dst) (local.get $dstStride)))
                (local.set $g (i32.sub (local.get $g) (i32.const 1)))
                (br $word)))))
        (local.set $x (i32.load (local.get $src)))
        (local.set $label (i32.shr_u (local.get $x) (i32.const 24)))
        (i32.store (local.get $dst)
          (i32.or (i32.and (local.get $x) (i32.const 0xffffff))
                  (i32.shl (i32.or (local.get $c) (i32.shl (local.get $label) (i32.const 7))) (i32.const 24))))
        (local.set $cnt (i32.add (local.get $cnt) (local.get $c)))
        (local.set $pos (i32.add (local.get $pos) (i32.mul (local.get $label) (local.get $c))))
        (local.set $m (i32.add (local.get $m) (i32.ne (local.get $c) (i32.const 0))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $row)))
    (i32.store (local.get $out) (local.get $cnt))
    (i32.store offset=4 (local.get $out) (local.get $pos))
    (local.get $m))

  ;; A fraud row's bins into pos (rare: a call is cheap there).
  (func $addPos (param $p i32) (param $stride i32) (param $full i32) (param $tagWord i32) (param $tagHist i32) (param $pos i32) (param $c i32)
    (local $q i32) (local $h i32) (local $g i32) (local $x i32) (local $a i32)
    ;; fraud rows into pos too: the tag word's three feature bytes, then the `full` whole words
    (local.set $x (local.get $tagWord))
    (local.set $h (i32.add (local.get $pos) (local.get $tagHist)))
    (local.set $a (i32.add (local.get $h) (i32.shl (i32.and (local.get $x) (i32.const 255)) (i32.const 2))))
    (i32.store (local.get $a) (i32.add (i32.load (local.get $a)) (local.get $c)))
    (local.set $a (i32.add (local.get $h) (i32.and (i32.shr_u (local.get $x) (i32.const 6)) (i32.const 1020))))
    (i32.store offset=1024 (local.get $a) (i32.add (i32.load offset=1024 (local.get $a)) (local.get $c)))
    (local.set $a (i32.add (local.get $h) (i32.and (i32.shr_u (local.get $x) (i32.const 14)) (i32.const 1020))))
    (i32.store offset=2048 (local.get $a) (i32.add (i32.load offset=2048 (local.get $a)) (local.get $c)))
    (local.set $q (local.get $p))
    (local.set $h (local.get $pos))
    (local.set $g (local.get $full))
    (block $dpos (loop $lpos
        (br_if $dpos (i32.eqz (local.get $g)))
        (local.set $x (i32.load (local.get $q)))
        (local.set $a (i32.add (local.get $h) (i32.shl (i32.and (local.get $x) (i32.const 255)) (i32.const 2))))
        (i32.store (local.get $a) (i32.add (i32.load (local.get $a)) (local.get $c)))
        (local.set $a (i32.add (local.get $h) (i32.and (i32.shr_u (local.get $x) (i32.const 6)) (i32.const 1020))))
        (i32.store offset=1024 (local.get $a) (i32.add (i32.load offset=1024 (local.get $a)) (local.get $c)))
        (local.set $a (i32.add (local.get $h) (i32.and (i32.shr_u (local.get $x) (i32.const 14)) (i32.const 1020))))
        (i32.store offset=2048 (local.get $a) (i32.add (i32.load offset=2048 (local.get $a)) (local.get $c)))
        (local.set $a (i32.add (local.get $h) (i32.and (i32.shr_u (local.get $x) (i32.const 22)) (i32.const 1020))))
        (i32.store offset=3072 (local.get $a) (i32.add (i32.load offset=3072 (local.get $a)) (local.get $c)))
        (local.set $q (i32.add (local.get $q) (local.get $stride)))
        (local.set $h (i32.add (local.get $h) (i32.const 4096)))
        (local.set $g (i32.sub (local.get $g) (i32.const 1)))
        (br $lpos))))
  )
