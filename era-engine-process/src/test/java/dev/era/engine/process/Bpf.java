package dev.era.engine.process;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Runs a classic BPF seccomp program on a {@code struct seccomp_data}, the way the kernel does, for
 * the instructions {@link SeccompFilter} uses; anything else fails the test.
 */
final class Bpf {
    private Bpf() {
    }

    /** The filter's verdict for syscall {@code nr} with {@code args} on {@code arch}. */
    static int run(byte[] program, int arch, int nr, long... args) {
        ByteBuffer data = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
        data.putInt(0, nr).putInt(4, arch).putLong(8, 0x401000);
        for (int i = 0; i < args.length; i++) {
            data.putLong(16 + 8 * i, args[i]);
        }
        ByteBuffer code = ByteBuffer.wrap(program).order(ByteOrder.LITTLE_ENDIAN);
        int count = program.length / 8;
        int a = 0;
        int pc = 0;
        while (true) {
            if (pc < 0 || pc >= count) {
                throw new AssertionError("the program ran off its end at instruction " + pc);
            }
            int op = code.getShort(pc * 8) & 0xFFFF;
            int jt = code.get(pc * 8 + 2) & 0xFF;
            int jf = code.get(pc * 8 + 3) & 0xFF;
            int k = code.getInt(pc * 8 + 4);
            pc++;
            switch (op) {
                case SeccompFilter.LD_W_ABS -> a = data.getInt(k);
                case SeccompFilter.JEQ_K -> pc += a == k ? jt : jf;
                case SeccompFilter.JSET_K -> pc += (a & k) != 0 ? jt : jf;
                case SeccompFilter.RET_K -> {
                    return k;
                }
                default -> throw new AssertionError("unexpected opcode 0x" + Integer.toHexString(op) + " at " + (pc - 1));
            }
        }
    }
}
