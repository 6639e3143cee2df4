# ERA sandbox exec: runs a command inside a running sandbox with everything its init has.
#
# Started by the daemon as root, this process leads a new session (with the terminal, if any, as
# its controlling one), joins the sandbox's cgroups before anything else can happen, enters its
# namespaces (the user namespace last, while root's rights in the host's still count for the
# others) and forks, since a pid namespace applies to children only. The parent stays outside as
# the command's parent and passes its exit status on. The child, still root's and so beyond the
# reach of every sandbox process (no signal, ptrace or /proc/<pid>/mem from them), sets
# no_new_privs, loads the sandbox's seccomp filter and empties the capability bounding set; only
# then does it become the sandbox user, which also leaves it undumpable until it execs the command,
# and the command starts with no capability at all.
#
# Arguments: <init pid> <its start time in ticks> <uid> <gid> <seccomp filter file> <working directory>
#            <tty: 0 or 1> <n> <n cgroup.procs files> <argv...>
# The command's environment arrives as ERA_X_<name>=<value>, so that none of it (LD_PRELOAD,
# PERL5OPT) can steer this root process.
use strict;
use warnings;

my ($init, $ticks, $uid, $gid, $filter, $dir, $tty, $n, @rest) = @ARGV;
($init, $uid, $gid, $n) = ($init + 0, $uid + 0, $gid + 0, $n + 0); # syscall passes strings as pointers
my @procs = splice(@rest, 0, $n);
my @argv = @rest;

sub fail {
    print STDERR "era: $_[0]\n";
    exit 126;
}

# x86_64 numbers: setsid 112, setgroups 116, setns 308, prctl 157 (PR_SET_NO_NEW_PRIVS 38,
# PR_SET_SECCOMP 22 with SECCOMP_MODE_FILTER 2, PR_CAPBSET_DROP 24), setresuid 117, setresgid 119.
# Terminal ioctls: TIOCSCTTY 0x540E, TIOCSPGRP 0x5410. (No POSIX module: it would double the start.)

syscall(112) >= 0 or fail("setsid: $!");
if ($tty) {
    ioctl(STDIN, 0x540E, 0) or fail("cannot take the terminal as the controlling one: $!");
}
for my $procs (@procs) {
    open(my $f, '>', $procs) or fail("cannot join cgroup $procs: $!");
    print $f "$$\n";
    close $f or fail("cannot join cgroup $procs: $!"); # cgroupfs refuses on the write, which close flushes
}
open(my $in, '<', $filter) or fail("cannot read the seccomp filter $filter: $!");
binmode $in;
my $program = do { local $/; <$in> };
close $in;
length($program) > 0 && length($program) % 8 == 0 or fail("the seccomp filter $filter is malformed");

my @namespaces;
for my $ns (qw(ipc uts net cgroup pid mnt user)) {
    open(my $fh, '<', "/proc/$init/ns/$ns") or fail("the sandbox (pid $init) is gone: $!");
    push @namespaces, [$ns, $fh];
}
# the descriptors are the init's only if the pid still names the process the daemon checked
open(my $stat, '<', "/proc/$init/stat") or fail("the sandbox (pid $init) is gone: $!");
my $line = <$stat>;
close $stat;
my @fields = split ' ', substr($line, rindex($line, ')') + 2);
$fields[19] eq $ticks or fail("the sandbox (pid $init) is gone; its pid now names another process");
# supplementary groups go now: inside, where setgroups is denied, they could not
syscall(116, 0, 0) == 0 or fail("setgroups: $!");
for my $ns (@namespaces) {
    syscall(308, fileno($ns->[1]), 0) == 0 or fail("cannot enter the sandbox's $ns->[0] namespace: $!");
    close $ns->[1];
}

my $child = fork() // fail("fork: $!");
if ($child) {
    waitpid($child, 0) == $child or fail("waitpid: $!");
    my $signal = $? & 127;
    exit($signal ? 128 + $signal : $? >> 8); # what the daemon reports for a signal, as a shell does
}

# The command leads its own process group: ExecProcess.signal reaches it and its children but not
# the parent above. On a terminal that group is the foreground one, so ^C and SIGWINCH reach it.
setpgrp(0, 0) or fail("setpgid: $!");
if ($tty) {
    local $SIG{TTOU} = 'IGNORE';
    ioctl(STDIN, 0x5410, pack('i', $$)) or fail("cannot make the command the terminal's foreground job: $!");
}
syscall(157, 38, 1, 0, 0, 0) == 0 or fail("prctl(PR_SET_NO_NEW_PRIVS): $!");
# struct sock_fprog { unsigned short len; struct sock_filter *filter; }: 'P' packs a pointer to the bytes
my $fprog = pack('S x6 P' . length($program), length($program) / 8, $program);
syscall(157, 22, 2, $fprog, 0, 0) == 0 or fail("prctl(PR_SET_SECCOMP): $!");
syscall(157, 24, $_, 0, 0, 0) for 0 .. 63; # past the last capability the kernel says EINVAL
syscall(119, $gid, $gid, $gid) == 0 or fail("setresgid($gid): $!");
syscall(117, $uid, $uid, $uid) == 0 or fail("setresuid($uid): $!");

$SIG{$_} = 'DEFAULT' for qw(HUP INT QUIT TERM PIPE TSTP TTIN TTOU USR1 USR2 ALRM CHLD);
chdir($dir) or fail("cannot change to the working directory $dir: $!");
my %env;
for my $name (keys %ENV) {
    $env{substr($name, 6)} = $ENV{$name} if $name =~ /^ERA_X_/;
}
%ENV = %env;

{
    no warnings 'exec'; # the lines after exec run only when it failed
    exec { $argv[0] } @argv;
}
print STDERR "era: cannot run $argv[0]: $!\n";
exit($!{ENOENT} ? 127 : 126);
