"""Carry out a plan against a target, recording each success in the state file."""
