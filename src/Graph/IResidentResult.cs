namespace TaskGraph;

/// <summary>
/// The closure target of a task that stands for a result a scheduler keeps elsewhere (a persisted partition held
/// in a worker process). Such a task is never fused into its reader, so the scheduler that keeps the result meets
/// it as a node of its own and can use the result where it is instead of running the task.
/// </summary>
internal interface IResidentResult
{
}
