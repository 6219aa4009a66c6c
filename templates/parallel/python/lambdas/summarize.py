def handler(event, context):
    """Merge the branch results, which the Parallel state passes as a list in branch order."""
    summary = {}
    for branch_result in event:
        summary.update(branch_result)
    return summary
