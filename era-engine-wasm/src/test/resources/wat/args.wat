;; Prints each argument, then each environment variable, one per line.
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_get" (func $args_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_sizes_get" (func $environ_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_get" (func $environ_get (param i32 i32) (result i32)))
  (memory (export "memory") 2)
  (data (i32.const 32) "\n")
  ;; writes the NUL-terminated string at $s and a newline
  (func $line (param $s i32)
    (local $e i32)
    (local.set $e (local.get $s))
    (block $end
      (loop $scan
        (br_if $end (i32.eqz (i32.load8_u (local.get $e))))
        (local.set $e (i32.add (local.get $e) (i32.const 1)))
        (br $scan)))
    (i32.store (i32.const 0) (local.get $s))
    (i32.store (i32.const 4) (i32.sub (local.get $e) (local.get $s)))
    (i32.store (i32.const 8) (i32.const 32))
    (i32.store (i32.const 12) (i32.const 1))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 2) (i32.const 16))))
  ;; prints the $count strings whose pointers start at $ptrs
  (func $lines (param $ptrs i32) (param $count i32)
    (block $end
      (loop $next
        (br_if $end (i32.eqz (local.get $count)))
        (call $line (i32.load (local.get $ptrs)))
        (local.set $ptrs (i32.add (local.get $ptrs) (i32.const 4)))
        (local.set $count (i32.sub (local.get $count) (i32.const 1)))
        (br $next))))
  (func (export "_start")
    ;; counts at 64/68, pointer arrays at 1024, strings at 8192 (args) and 65536 (environment)
    (drop (call $args_sizes_get (i32.const 64) (i32.const 68)))
    (drop (call $args_get (i32.const 1024) (i32.const 8192)))
    (call $lines (i32.const 1024) (i32.load (i32.const 64)))
    (drop (call $environ_sizes_get (i32.const 64) (i32.const 68)))
    (drop (call $environ_get (i32.const 1024) (i32.const 65536)))
    (call $lines (i32.const 1024) (i32.load (i32.const 64)))))
