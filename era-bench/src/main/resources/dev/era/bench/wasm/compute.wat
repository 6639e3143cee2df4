;; A compute kernel: ten sieves of Eratosthenes over 4,000,000 bytes of linear memory (memory
;; and branch bound) and a recursive fib(30) (call bound). Exits with (primes + fib) mod 128, so that
;; two runtimes can be checked to agree: 10 * 283146 + 832040 = 3663500, mod 128 = 12.
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 62)
  (func $sieve (param $n i32) (result i32)
    (local $i i32) (local $j i32) (local $count i32)
    (memory.fill (i32.const 0) (i32.const 0) (local.get $n))
    (local.set $i (i32.const 2))
    (block $done
      (loop $outer
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (if (i32.eqz (i32.load8_u (local.get $i)))
          (then
            (local.set $count (i32.add (local.get $count) (i32.const 1)))
            (local.set $j (i32.mul (local.get $i) (local.get $i)))
            (block $marked
              (loop $inner
                (br_if $marked (i32.ge_u (local.get $j) (local.get $n)))
                (br_if $marked (i32.gt_u (local.get $i) (i32.const 65535)))
                (i32.store8 (local.get $j) (i32.const 1))
                (local.set $j (i32.add (local.get $j) (local.get $i)))
                (br $inner)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $outer)))
    (local.get $count))
  (func $fib (param $n i32) (result i32)
    (if (result i32) (i32.lt_u (local.get $n) (i32.const 2))
      (then (local.get $n))
      (else (i32.add (call $fib (i32.sub (local.get $n) (i32.const 1)))
                     (call $fib (i32.sub (local.get $n) (i32.const 2)))))))
  (func (export "_start")
    (local $sum i32) (local $round i32)
    (loop $rounds
      (local.set $sum (i32.add (local.get $sum) (call $sieve (i32.const 4000000))))
      (local.set $round (i32.add (local.get $round) (i32.const 1)))
      (br_if $rounds (i32.lt_u (local.get $round) (i32.const 10))))
    (local.set $sum (i32.add (local.get $sum) (call $fib (i32.const 30))))
    (call $proc_exit (i32.and (local.get $sum) (i32.const 127)))))
