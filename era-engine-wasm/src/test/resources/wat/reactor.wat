;; A WASI reactor: it exports _initialize, not _start.
(module
  (memory (export "memory") 1)
  (func (export "_initialize")))
