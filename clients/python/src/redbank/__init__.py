"""redbank: a client of the redbank gRPC banking service (redbank.v1)."""

from redbank.client import Client, RedbankError, amount, money
from redbank.v1 import bank_pb2 as pb

__all__ = ["Client", "RedbankError", "amount", "money", "pb"]
