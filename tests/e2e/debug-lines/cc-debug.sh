#!/bin/sh
# The C compiler bpelc runs for this case: cc with -O0 last, so each step
# function stays a function of its own and gdb's stops name the activity.
exec "${DEBUG_CC:-cc}" "$@" -O0
