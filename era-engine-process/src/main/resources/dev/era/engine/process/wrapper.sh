# ERA process engine wrapper. Runs as the leader of the work's own session and process group
# (started through setsid), outlives the daemon, and records the work's exit status so that a
# restarted daemon can still report it.
#
# Arguments: <exit file> <ready file> <oom counter file or -> <n> <n cgroup.procs files>
#            <m> <m pairs of descriptor redirection ("3>", "4<") and file> <argv...>
#
# Standby form: --standby <go file> <oom counter file or -> <n> <n cgroup.procs files>
# The child joins the cgroups at once (on cgroup v1 a join waits for an RCU grace period, the
# largest part of a start), then waits for one line on stdin. The daemon writes the go file first:
# shell assignments of exit_file, ready_file, oom_file, log_file, run_dir and a `set --` of the
# descriptor pairs and argv, each value single-quoted by the daemon (root's file, mode 0600). End of
# file instead (the daemon is gone) ends the standby, and the wrapper removes its cgroups.
standby=
if [ "$1" = --standby ]; then
  standby=$2
  exit_file=
  oom_file=$3
  shift 3
else
  exit_file=$1
  ready_file=$2
  oom_file=$3
  shift 3
fi

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
  if [ -n "$standby" ]; then
    read -r _ && [ -f "$standby" ] || exit 125
    . "$standby"
    cd "$run_dir" || exit 125
    exec >>"$log_file" 2>&1 </dev/null
  fi
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
if [ -n "$standby" ]; then
  if [ ! -f "$standby" ]; then
    # never claimed: the cgroups are empty again and only this wrapper knows them
    n=$1
    shift
    while [ "$n" -gt 0 ]; do
      rmdir "${1%/*}" 2>/dev/null
      shift
      n=$((n - 1))
    done
    exit "$code"
  fi
  . "$standby"
  rm -f "$standby"
fi

# The kernel counts OOM kills per memory cgroup ("oom_kill N" in v2 memory.events and v1 memory.oom_control).
oom=0
if [ "$oom_file" != - ] && [ -r "$oom_file" ]; then
  while read -r key value; do
    if [ "$key" = oom_kill ]; then oom=$value; fi
  done < "$oom_file"
fi
echo "$code $oom" > "$exit_file"
exit "$code"
