#!/usr/bin/python3
# The device configuration lava-run needs for a job on LAVA's qemu device type, rendered as a
# LAVA server renders it: lava-server's own qemu.jinja2 (device-types/, from the lava-server
# package of the dispatcher's version, unpacked by vm/lava-setup.sh) extended by a device
# dictionary that sets nothing, with the job's context as the template's variables.
# usage: lava-device.py DEVICE_TYPES_DIR JOB.yaml > device.yaml
import sys

import jinja2
import jinja2.sandbox
import yaml

types_dir, job = sys.argv[1], sys.argv[2]
with open(job) as f:
    context = yaml.safe_load(f).get("context", {})
env = jinja2.sandbox.SandboxedEnvironment(loader=jinja2.FileSystemLoader([types_dir]),
                                          trim_blocks=True, autoescape=False)
device = env.from_string("{% extends 'qemu.jinja2' %}\n").render(**context)
yaml.safe_load(device)  # a template that renders no YAML fails here, not in lava-run
sys.stdout.write(device)
