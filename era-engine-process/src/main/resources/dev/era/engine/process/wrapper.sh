# ERA process engine wrapper. Runs as the leader of the work's own session and process group
# (started through setsid), outlives the daemon, and records the work's exit status so that a
# restarted daemon can still report it.
#
# Arguments: <exit file> <ready file> <oom counter file or -> <n> <n cgroup.procs files>
#            <m> <m pairs of descriptor redirection ("3>", "4<") and file> <argv...>
exit_file=$1
ready_file=$2
oom_file=$3
shift 3

# stop() signals the whole group. The wrapper survives SIGTERM (the trap runs only after the
# foreground child ended) so that it can still write the status; SIGKILL ends it anyway.
trap : TERM INT HUP

# The child (a subshell: one fork, no second shell to start) joins the cgroups, opens the files the
# program reads through descriptors (a sandbox's bubblewrap, which runs as another user and could
# not open them itself), then becomes the program; nothing of it runs before it is inside the
# cgroups. The wrapper itself stays outside, so it neither counts against the limits nor is their
# victim. The ready file tells start() that the child has default signal handling again (the
# wrapper's trap no longer applies to it), so that a stop from then on reaches the program.
(
  trap - TERM INT HUP
  n=$1
  shift
  while [ "$n" -gt 0 ]; do
    # "0" is the writing process (in a subshell $$ would name the wrapper)
    echo 0 > "$1" || { echo "era: cannot join cgroup $1" >&2; exit 125; }
    shift
    n=$((n - 1))
  done
  m=$1
  shift
  while [ "$m" -gt 0 ]; do
    case $1 in
      [3-9]\<|[3-9]\>) eval "exec $1\"\$2\"" || { echo "era: cannot open $2" >&2; exit 125; } ;;
      *) echo "era: bad redirection $1" >&2; exit 125 ;;
    esac
    shift 2
    m=$((m - 1))
  done
  : > "$ready_file"
  exec "$@"
)
code=$?

# The kernel counts OOM kills per memory cgroup ("oom_kill N" in v2 memory.events and v1 memory.oom_control).
oom=0
if [ "$oom_file" != - ] && [ -r "$oom_file" ]; then
  while read -r key value; do
    if [ "$key" = oom_kill ]; then oom=$value; fi
  done < "$oom_file"
fi
echo "$code $oom" > "$exit_file"
exit "$code"
