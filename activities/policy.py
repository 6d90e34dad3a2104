"""Placeholder blueprint: replaced by the module's owner."""
import azure.durable_functions as df

bp = df.Blueprint()
