# shellcheck shell=bash
# The runners' format (tests/runner.h) for the shell runners: source it
# with the script's arguments ("$@"), call result for each test, end with
# finish.  Options: --first N numbers from N; --counts FILE writes
# "passed failed skipped" there instead of the summary (tests/run_all).
number=1 counts= passed=0 failed=0 skipped=0
while [ $# -gt 0 ]; do
	case $1 in
	--first) number=$2; shift ;;
	--counts) counts=$2; shift ;;
	esac
	shift
done

result() {	# name status [why...]: one line, the reasons indented below
	local name=$1 status=$2
	shift 2
	echo "#$number $name: $status"
	number=$((number + 1))
	case $status in
	OK) passed=$((passed + 1)); return ;;
	SKIP) skipped=$((skipped + 1)) ;;
	*) failed=$((failed + 1)) ;;
	esac
	printf '    %s\n' "$@"
}

finish() {	# the closing line (or the counts file); fails if a test did
	if [ -n "$counts" ]; then
		echo "$passed $failed $skipped" >"$counts"
	else
		echo "$passed passed, $failed failed, $skipped skipped"
	fi
	[ "$failed" -eq 0 ]
}
