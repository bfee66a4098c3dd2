"""Microsoft commercial marketplace (Azure Marketplace): the drop reader (`feeds`) and the revocation list
(`revocations`)."""
