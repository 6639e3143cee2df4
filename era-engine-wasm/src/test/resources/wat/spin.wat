;; A runaway loop: burns CPU forever and never calls the host.
(module
  (memory (export "memory") 1)
  (func (export "_start")
    (local $i i64)
    (loop $forever
      (local.set $i (i64.add (local.get $i) (i64.const 1)))
      (br $forever))))
