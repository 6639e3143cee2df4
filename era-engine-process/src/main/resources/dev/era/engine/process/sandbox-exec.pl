# ERA sandbox exec applier. nsenter has put this process into every namespace of the sandbox as
# its user (uid 1000, no supplementary groups, no capabilities left after nsenter's exec of perl).
# What bubblewrap does for the sandbox's init, this does for an exec'd command: no_new_privs and
# the sandbox's seccomp filter (read from fd 9), then the command becomes the process.
#
# Arguments: <working directory> <tty: 0 or 1> <argv...>. The command's environment arrives as
# ERA_X_<name>=<value>, so that nothing of it could steer the root-side programs before us.
use strict;
use warnings;

my ($dir, $tty, @argv) = @ARGV;

sub fail {
    print STDERR "era: $_[0]\n";
    exit 126;
}

# The command leads its own process group: ExecProcess.signal reaches it and its children but not
# nsenter, which waits for it and passes its exit status on. On a terminal that group is the
# foreground one (TIOCSPGRP = 0x5410), so ^C and SIGWINCH reach the command.
setpgrp(0, 0) or fail("setpgid: $!");
if ($tty) {
    local $SIG{TTOU} = 'IGNORE';
    ioctl(STDIN, 0x5410, pack('i', $$)) or fail("cannot make the command the terminal's foreground job: $!");
}
$SIG{$_} = 'DEFAULT' for qw(HUP INT QUIT TERM PIPE TSTP TTIN TTOU USR1 USR2 ALRM CHLD);

chdir($dir) or fail("cannot change to the working directory $dir: $!");

my %env;
for my $name (keys %ENV) {
    $env{substr($name, 6)} = $ENV{$name} if $name =~ /^ERA_X_/;
}
%ENV = %env;

# x86_64: prctl = 157; PR_SET_NO_NEW_PRIVS = 38, PR_SET_SECCOMP = 22 with SECCOMP_MODE_FILTER = 2.
syscall(157, 38, 1, 0, 0, 0) == 0 or fail("prctl(PR_SET_NO_NEW_PRIVS): $!");
open(my $in, '<&=', 9) or fail("the seccomp filter is not open on fd 9: $!");
binmode $in;
my $program = do { local $/; <$in> };
close $in;
length($program) > 0 && length($program) % 8 == 0 or fail("the seccomp filter is malformed");
# struct sock_fprog { unsigned short len; struct sock_filter *filter; }: 'P' packs a pointer to the bytes
my $fprog = pack('S x6 P' . length($program), length($program) / 8, $program);
syscall(157, 22, 2, $fprog, 0, 0) == 0 or fail("prctl(PR_SET_SECCOMP): $!");

{
    no warnings 'exec'; # the lines after exec run only when it failed
    exec { $argv[0] } @argv;
}
print STDERR "era: cannot run $argv[0]: $!\n";
exit($!{ENOENT} ? 127 : 126);
