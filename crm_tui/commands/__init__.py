"""The sub-commands of ``crm``, one module per group."""
