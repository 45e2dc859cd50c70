# Probes: tcelab.bpf.c compiled per guest arch, embedded by a libbpf skeleton into the static
# tcelab-probe loader (filled in by the probes work).
