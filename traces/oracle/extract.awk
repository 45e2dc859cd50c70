# Prints one piece of a C file verbatim (traces/oracle/upstream.list): awk -v kind=K -v name=N.
# Exits 1 when the piece is not there exactly once (the count goes to stderr).
function braces(s,   o, c) {
	o = gsub(/\{/, "{", s)
	c = gsub(/\}/, "}", s)
	return o - c
}
BEGIN {
	id = "(^|[^A-Za-z0-9_])" name "\\("
	found = 0
	state = 0	# 1: in a struct/enum, 2: in a define, 3: in a declaration or definition
}
state == 1 {
	piece = piece "\n" $0
	if ($0 ~ /^}/)
		state = 0
	next
}
state == 2 {
	piece = piece "\n" $0
	if ($0 !~ /\\$/)
		state = 0
	next
}
state == 3 {
	cand = cand "\n" $0
	if (!opened && $0 ~ /\{/)
		opened = 1
	depth += braces($0)
	if (opened && depth == 0) {
		state = 0
		if (kind == "func") { piece = cand; found++ }
	} else if (!opened && $0 ~ /;[ \t]*$/) {
		state = 0
		if (kind == "decl") { piece = cand; found++ }
	}
	prev = $0
	next
}
(kind == "struct" || kind == "enum") && $0 ~ ("^" kind " " name " \\{") {
	piece = $0; state = 1; found++; next
}
kind == "define" && $0 ~ ("^#define[ \t]+" name "([ \t(]|$)") {
	piece = $0; found++
	if ($0 ~ /\\$/)
		state = 2
	next
}
(kind == "decl" || kind == "func") && $0 ~ /^[A-Za-z_]/ && $0 ~ id {
	# The return type may stand alone on the line before the name.
	cand = ($0 ~ ("^" name "\\(") ? prev "\n" : "") $0
	depth = braces($0)
	opened = $0 ~ /\{/
	if (opened && depth == 0) {
		if (kind == "func") { piece = cand; found++ }
	} else if (!opened && $0 ~ /;[ \t]*$/) {
		if (kind == "decl") { piece = cand; found++ }
	} else {
		state = 3
	}
	prev = $0
	next
}
{ prev = $0 }
END {
	if (found != 1) {
		printf "found %d times\n", found > "/dev/stderr"
		exit 1
	}
	print piece
}
