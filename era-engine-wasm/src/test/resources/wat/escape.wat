;; Tries to open "../outside.txt" relative to the first preopened directory (fd 3) and exits with the WASI errno (0 = opened).
(module
  (import "wasi_snapshot_preview1" "path_open"
    (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "../outside.txt")
  (func (export "_start")
    ;; dirfd 3, follow symlinks, path, no open flags, rights fd_read, fd flags 0, result fd at 0
    (call $proc_exit
      (call $path_open (i32.const 3) (i32.const 1) (i32.const 16) (i32.const 14) (i32.const 0)
        (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 0)))))
