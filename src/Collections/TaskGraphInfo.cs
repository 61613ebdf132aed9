namespace TaskGraph;

/// <summary>Version information of the TaskGraph collections assembly.</summary>
public static class TaskGraphInfo
{
    /// <summary>The library version.</summary>
    public static string Version => typeof(TaskGraphInfo).Assembly.GetName().Version?.ToString() ?? "0.0.0";
}
