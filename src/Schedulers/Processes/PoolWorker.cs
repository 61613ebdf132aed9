using System.Diagnostics;
using System.IO.Pipes;
using TaskGraph.Wire;

namespace TaskGraph.Processes;

/// <summary>
/// One running worker process, seen from the parent: the process, its task pipe (used by one dispatcher at a
/// time), the address of its data plane server (where the other workers fetch its results and the parent reads
/// persisted ones and releases them), and the forwarding of its console output.
/// </summary>
internal sealed class PoolWorker : IDisposable
{
    private readonly Process _process;
    private readonly NamedPipeServerStream _task;
    private readonly DataPeers _peers;
    private int _disposed;

    /// <summary>Position in the pool.</summary>
    public int Slot { get; }

    /// <summary>The worker's name for listeners and console lines (<c>process-0</c>).</summary>
    public string Name { get; }

    /// <summary>The operating-system process id.</summary>
    public int ProcessId { get; }

    /// <summary>This process among all the pool has had in its slot (<c>process-0:pid</c>): persisted results name their holder so.</summary>
    public string Id => $"{Name}:{ProcessId}";

    /// <summary>Where the worker's data plane server listens (loopback): peers fetch its results there.</summary>
    public string DataAddress { get; }

    /// <summary>The task pipe.</summary>
    public Stream TaskStream => _task;

    /// <summary>Reads the task pipe.</summary>
    public WireReader TaskReader { get; }

    /// <summary>Builds frames for the task pipe (only the dispatcher holding the slot uses it).</summary>
    public WireWriter TaskWriter { get; } = new(64 * 1024);

    /// <summary>MVIDs of the assemblies compiled in memory (notebook cells) already sent to this process (used by the dispatcher holding the slot).</summary>
    public HashSet<Guid> ReceivedAssemblies { get; } = [];

    /// <summary>True once the process has exited (or was disposed).</summary>
    public bool IsBroken => Volatile.Read(ref _disposed) != 0 || _process.HasExited;

    private PoolWorker(int slot, Process process, NamedPipeServerStream task, string dataAddress, DataPeers peers)
    {
        Slot = slot;
        DataAddress = dataAddress;
        _peers = peers;
        Name = $"process-{slot}";
        _process = process;
        ProcessId = process.Id;
        _task = task;
        TaskReader = new WireReader(task);
    }

    /// <summary>
    /// Starts a worker, waits until it has connected its pipe, gives it the pool's data plane key
    /// (<paramref name="dataKey"/>, over the task pipe: never on its command line) and learns its data plane address.
    /// </summary>
    public static PoolWorker Start(int slot, byte[] dataKey, DataPeers peers)
    {
        var launch = WorkerLaunch.ForThisProcess;
        var stem = $"{SocketStem}{Environment.ProcessId}-{slot}-{Guid.NewGuid().ToString("N")[..8]}";
        var task = new NamedPipeServerStream(stem + "t", PipeDirection.InOut, 1, PipeTransmissionMode.Byte, PipeOptions.Asynchronous);
        var psi = new ProcessStartInfo(launch.Dotnet)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            CreateNoWindow = true,
        };
        foreach (var a in launch.Arguments()) psi.ArgumentList.Add(a);
        psi.ArgumentList.Add(stem + "t");
        psi.ArgumentList.Add(slot.ToString());
        var process = new Process { StartInfo = psi, EnableRaisingEvents = true };
        string dataAddress;
        string prefix = $"[worker {slot}] ";
        var earlyErrors = new System.Collections.Concurrent.ConcurrentQueue<string>();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) Console.Out.WriteLine(prefix + e.Data); };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            if (earlyErrors.Count < 50) earlyErrors.Enqueue(e.Data);
            Console.Error.WriteLine(prefix + e.Data);
        };
        try
        {
            process.Start();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            var connected = task.WaitForConnectionAsync(timeout.Token);
            var exited = process.WaitForExitAsync(timeout.Token);
            int which = Task.WaitAny(connected, exited);
            if (which != 0 || !connected.IsCompletedSuccessfully)
            {
                try { exited.Wait(500); } catch { }
                throw new InvalidOperationException(
                    $"Worker process {slot} did not start ({(process.HasExited ? $"exit code {process.ExitCode}" : "no connection within 60 s")}). " +
                    $"Command: {launch.Dotnet} {string.Join(' ', psi.ArgumentList)}. Output: {string.Join(Environment.NewLine, earlyErrors)}");
            }
            // Connected: the socket file has done its job. Unlinked now, none is left behind if this process is
            // killed (a SIGKILLed parent cannot clean up; see SweepDeadParentsSockets).
            DeleteSocketFile(stem + "t");
            dataAddress = Hello(task, dataKey, process, slot);
        }
        catch
        {
            try { if (!process.HasExited) process.Kill(); } catch { }
            task.Dispose();
            throw;
        }
        return new PoolWorker(slot, process, task, dataAddress, peers);
    }

    /// <summary>The handshake (<see cref="Protocol.Hello"/>): sends the key, answers the worker's data plane address (within 60 s).</summary>
    private static string Hello(Stream task, byte[] key, Process process, int slot)
    {
        var w = new WireWriter(64 + key.Length);
        w.BeginFrame();
        w.WriteByte(Protocol.Hello);
        w.WriteInt32(key.Length);
        w.WriteBytes(key);
        w.WriteFrame(task);
        var answer = Task.Run(() =>
        {
            var header = new byte[8 + 4];
            if (!DataServer.ReadFully(task, header)) throw new EndOfStreamException("the worker closed its task pipe");
            long length = BitConverter.ToInt64(header);
            int n = BitConverter.ToInt32(header, 8);
            if (n <= 0 || n > Protocol.MaxHelloBytes || length != 4 + n) throw new InvalidDataException($"a hello answer of {length} bytes");
            var address = new byte[n];
            if (!DataServer.ReadFully(task, address)) throw new EndOfStreamException("the worker closed its task pipe");
            return System.Text.Encoding.UTF8.GetString(address);
        });
        try
        {
            if (answer.Wait(TimeSpan.FromSeconds(60))) return answer.Result;
        }
        catch (AggregateException e) when (e.InnerException is IOException or InvalidDataException)
        {
            throw new InvalidOperationException($"Worker process {slot} did not complete its handshake ({e.InnerException.Message}; " +
                $"{(process.HasExited ? $"exit code {process.ExitCode}" : "still running")}).", e.InnerException);
        }
        throw new InvalidOperationException($"Worker process {slot} did not tell its data plane address within 60 s.");
    }

    /// <summary>The start of the pipes' names; the parent's process id follows (<c>tg1234-0-…</c>).</summary>
    private const string SocketStem = "tg";

    /// <summary>Where .NET puts the Unix domain socket of a named pipe (null on Windows, where pipes are not files).</summary>
    private static string? SocketFile(string pipeName)
        => OperatingSystem.IsWindows() ? null : Path.Combine(Path.GetTempPath(), "CoreFxPipe_" + pipeName);

    private static void DeleteSocketFile(string pipeName)
    {
        try { if (SocketFile(pipeName) is { } f) File.Delete(f); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { /* only litter, never a failure */ }
    }

    /// <summary>
    /// Deletes the socket files of pool parents that are no longer running. A parent unlinks its files as soon as
    /// a worker connects, so only a parent killed while a worker was starting leaves one; the next pool to start
    /// (in any process) removes it. A file whose process id was reused by a live process stays until that ends.
    /// </summary>
    public static void SweepDeadParentsSockets()
    {
        if (SocketFile(SocketStem) is not { } probe) return;
        try
        {
            string prefix = Path.GetFileName(probe);
            foreach (var file in Directory.EnumerateFiles(Path.GetDirectoryName(probe)!, prefix + "*"))
            {
                var name = Path.GetFileName(file).AsSpan(prefix.Length);
                int dash = name.IndexOf('-');
                if (dash <= 0 || !int.TryParse(name[..dash], out int pid) || pid == Environment.ProcessId || IsRunning(pid)) continue;
                try { File.Delete(file); }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException) { /* another user's, or gone already */ }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { /* an unreadable temp folder: nothing to sweep */ }
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var p = Process.GetProcessById(pid);
            return !p.HasExited;
        }
        catch (ArgumentException) { return false; } // no such process
        catch (InvalidOperationException) { return false; }
    }

    /// <summary>The CPU time the process has used so far, in ticks (0 once it has exited).</summary>
    public long CpuTicks
    {
        get
        {
            try { return _process.TotalProcessorTime.Ticks; } // read afresh from the system at each call
            catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception or NotSupportedException) { return 0; }
        }
    }

    /// <summary>Asks the worker to drop results, over its data plane (no answer expected; a dead worker has dropped them anyway).</summary>
    public void Release(int compute, IReadOnlyList<int> nodes)
    {
        try { _peers.Release(DataAddress, Protocol.ComputeId(compute), nodes); }
        catch (Exception e) when (e is DataPlaneException or ObjectDisposedException) { /* the worker is gone; nothing to release */ }
    }

    /// <summary>Tells the worker, over its data plane, that a computation ended: its queued runs are skipped and its results dropped.</summary>
    public void Drop(int compute)
    {
        try { _peers.Drop(DataAddress, Protocol.ComputeId(compute)); }
        catch (Exception e) when (e is DataPlaneException or ObjectDisposedException) { /* the worker is gone; nothing to drop */ }
    }

    /// <summary>Kills the process at once (used when it is known to be broken).</summary>
    public void Kill()
    {
        try { if (!_process.HasExited) _process.Kill(); } catch { }
    }

    /// <summary>The exit code, once the process has exited (waits up to a second).</summary>
    public string ExitDescription()
    {
        try
        {
            if (_process.WaitForExit(1000)) return $"exit code {_process.ExitCode}";
        }
        catch { }
        return "still running";
    }

    /// <summary>Shuts the worker down: a shutdown message, end of its standard input, then a kill if it lingers.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        try
        {
            // End of standard input and of the pipe both make the worker exit; a kill covers a task that never returns.
            try { _process.StandardInput.Close(); } catch { }
            _task.Dispose();
            if (!_process.WaitForExit(2000)) _process.Kill();
            else _process.WaitForExit(); // also waits until the forwarded console output is drained

        }
        catch { }
        _task.Dispose();
        _process.Dispose();
    }
}
