;; Declares a 100-page (6.25 MiB) minimum memory.
(module
  (memory (export "memory") 100)
  (func (export "_start")))
