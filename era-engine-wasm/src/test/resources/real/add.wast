;; A WebAssembly spec-test script for wast2json: one module, one assertion on it, one module that traps while starting.
(module
  (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1))))
(assert_return (invoke "add" (i32.const 1) (i32.const 2)) (i32.const 3))
(assert_trap (module (func $f unreachable) (start $f)) "unreachable")
