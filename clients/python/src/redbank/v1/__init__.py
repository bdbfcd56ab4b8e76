"""Stubs generated from proto/redbank/v1/bank.proto by generate.py; do not edit."""
