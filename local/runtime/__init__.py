"""Lambda's execution environments, locally: each function in processes of its own.

`local.runtime.processes.ProcessInvoker` starts `python -m local.runtime.worker` children, one
per execution environment, and speaks to them over pipes; `local.invoker.FunctionInvoker` is
the faster in-process path that tests may use where concurrency and isolation do not matter.
"""
