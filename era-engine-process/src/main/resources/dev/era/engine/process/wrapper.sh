# ERA process engine wrapper. Runs as the leader of the work's own session and process group
# (started through setsid), outlives the daemon, and records the work's exit status so that a
# restarted daemon can still report it.
#
# Arguments: <exit file> <ready file> <oom counter file or -> <n> <n cgroup.procs files> <argv...>
exit_file=$1
ready_file=$2
oom_file=$3
shift 3

# stop() signals the whole group. The wrapper survives SIGTERM (the trap runs only after the
# foreground child ended) so that it can still write the status; SIGKILL ends it anyway.
trap : TERM INT HUP

# The child joins the cgroups, then becomes the app; nothing of the app runs before it is inside.
# The wrapper itself stays outside, so it neither counts against the limits nor is their victim.
# The ready file tells start() that the child is a fresh shell with default signal handling (the
# wrapper's trap no longer applies to it), so that a stop from then on reaches the app.
/bin/sh -c '
ready=$1
n=$2
shift 2
while [ "$n" -gt 0 ]; do
  echo $$ > "$1" || { echo "era: cannot join cgroup $1" >&2; exit 125; }
  shift
  n=$((n - 1))
done
: > "$ready"
exec "$@"
' era-app "$ready_file" "$@"
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
