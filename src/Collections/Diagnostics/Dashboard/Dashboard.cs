using System.Net;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace TaskGraph.Diagnostics;

/// <summary>
/// A live dashboard in the browser while computations run, like Dask's: progress per task group, the task stream
/// (one row per worker), workers with their processes' CPU and memory, the current graph's counts per state and
/// the failures with their task keys. It works with every scheduler: it listens to the compute events all of them
/// raise. Served by Kestrel; the page (plain HTML/SVG/JS shipped in this assembly, nothing from the internet)
/// receives the state by Server-Sent Events.
/// <code>
/// using var dashboard = Dashboard.Start();           // http://127.0.0.1:8787/
/// Console.WriteLine(dashboard.Url);
/// total.Compute();
/// </code>
/// Or set <c>TASKGRAPH_DASHBOARD=127.0.0.1:8787</c> (and <c>TASKGRAPH_DASHBOARD_TOKEN</c> for another address):
/// the dashboard starts with the first computation and lives as long as the process.
/// It binds to loopback by default; any other address needs a token, and requests without it are refused.
/// </summary>
public sealed class Dashboard : IDisposable
{
    /// <summary>The environment variable naming the address to serve on (<c>127.0.0.1:8787</c>).</summary>
    public const string AddressVariable = "TASKGRAPH_DASHBOARD";

    /// <summary>The environment variable holding the token requests must carry.</summary>
    public const string TokenVariable = "TASKGRAPH_DASHBOARD_TOKEN";

    /// <summary>The default address: loopback, Dask's dashboard port.</summary>
    public const string DefaultAddress = "127.0.0.1:8787";

    private const int MaxEventClients = 32;

    // The one started by TASKGRAPH_DASHBOARD: held here so that nothing collects its timer.
    private static Dashboard? _fromEnvironment;

    private readonly DashboardRecorder _recorder = new();
    private readonly IDisposable _registration;
    private readonly WebApplication _app;
    private readonly string? _token;
    private readonly bool _loopback;
    private readonly Timer _timer;
    private readonly CancellationTokenSource _stopping = new();
    private readonly object _snapshotGate = new();
    private volatile Published _current;
    private int _eventClients;
    private int _disposed;

    private Dashboard(IPEndPoint endpoint, string? token, TimeSpan interval)
    {
        _token = token;
        _loopback = IPAddress.IsLoopback(endpoint.Address);
        _current = new Published(_recorder.Snapshot());
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = "TaskGraph.Dashboard" });
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Limits.MaxConcurrentConnections = 64;
            k.Limits.MaxRequestBodySize = 0;
            k.Limits.MaxRequestHeadersTotalSize = 16 * 1024;
            k.Listen(endpoint);
        });
        _app = builder.Build();
        ((IApplicationBuilder)_app).Run(Handle);
        try
        {
            _app.StartAsync().GetAwaiter().GetResult();
        }
        catch (IOException e)
        {
            _app.DisposeAsync().AsTask().GetAwaiter().GetResult();
            throw new IOException($"The dashboard cannot listen on {endpoint}: {e.Message}", e);
        }
        var bound = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Address = new Uri(bound.EndsWith('/') ? bound : bound + "/");
        Url = token is null ? Address : new Uri(Address, "?token=" + Uri.EscapeDataString(token));
        _registration = ComputeListeners.Register(_recorder);
        _timer = new Timer(static s => ((Dashboard)s!).Publish(), this, interval, interval);
    }

    /// <summary>Where the dashboard is served (the bound port when port 0 was asked for).</summary>
    public Uri Address { get; }

    /// <summary>The page's address with the token, to open in a browser.</summary>
    public Uri Url { get; }

    /// <summary>
    /// Serves the dashboard on <paramref name="address"/> (<c>host:port</c>, <c>[::1]:port</c>; port 0 picks a free
    /// one) until disposed. <paramref name="token"/>: a secret every request must carry (<c>?token=</c> or
    /// <c>Authorization: Bearer</c>); required unless the address is loopback. <paramref name="interval"/>: how
    /// often the page is updated (default 300 ms).
    /// </summary>
    public static Dashboard Start(string address = DefaultAddress, string? token = null, TimeSpan? interval = null)
    {
        var endpoint = ParseAddress(address);
        if (token is not null && token.Length < 8)
            throw new ArgumentException("A dashboard token needs at least 8 characters.", nameof(token));
        if (token is null && !IPAddress.IsLoopback(endpoint.Address))
            throw new ArgumentException($"The dashboard address {address} is not loopback: give a token (TASKGRAPH_DASHBOARD_TOKEN), so that only those who know it can see the computations.", nameof(token));
        var every = interval ?? TimeSpan.FromMilliseconds(300);
        if (every < TimeSpan.FromMilliseconds(10))
            throw new ArgumentOutOfRangeException(nameof(interval), interval, "The dashboard's update interval must be at least 10 ms.");
        return new Dashboard(endpoint, token, every);
    }

    /// <summary>Called by the Graph assembly before the first computation when <c>TASKGRAPH_DASHBOARD</c> is set.</summary>
    internal static Dashboard? StartFromEnvironment(string address)
    {
        try
        {
            var token = Environment.GetEnvironmentVariable(TokenVariable) is { Length: > 0 } t ? t : null;
            var dashboard = Start(address, token);
            Console.Error.WriteLine($"TaskGraph dashboard: {dashboard.Url}");
            return _fromEnvironment = dashboard; // lives as long as the process
        }
        catch (Exception e) when (e is ArgumentException or IOException or FormatException)
        {
            Console.Error.WriteLine($"TaskGraph dashboard not started ({AddressVariable}={address}): {e.Message}");
            return null;
        }
    }

    /// <summary>Parses <c>host:port</c>: an IP address, <c>localhost</c>, or <c>*</c> for every interface.</summary>
    internal static IPEndPoint ParseAddress(string address)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(address);
        var a = address.Trim();
        if (a.StartsWith("http://", StringComparison.OrdinalIgnoreCase)) a = a[7..].TrimEnd('/');
        int colon = a.LastIndexOf(':');
        if (colon <= 0 || a.EndsWith(']') || !int.TryParse(a[(colon + 1)..], out int port) || port is < 0 or > 65535)
            throw new ArgumentException($"The dashboard address '{address}' is not host:port (for example 127.0.0.1:8787).", nameof(address));
        var host = a[..colon].Trim('[', ']');
        IPAddress ip = host switch
        {
            "localhost" => IPAddress.Loopback,
            "*" => IPAddress.Any,
            _ => IPAddress.TryParse(host, out var parsed) ? parsed
                : throw new ArgumentException($"The dashboard host '{host}' is not an IP address (or localhost, or * for every interface).", nameof(address)),
        };
        return new IPEndPoint(ip, port);
    }

    /// <summary>Stops serving and listening.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _registration.Dispose();
        _timer.Dispose();
        _stopping.Cancel();
        _current.Next.TrySetCanceled();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try { _app.StopAsync(timeout.Token).GetAwaiter().GetResult(); }
        finally { _app.DisposeAsync().AsTask().GetAwaiter().GetResult(); }
        _stopping.Dispose();
    }

    /// <inheritdoc />
    public override string ToString() => $"Dashboard({Address})";

    /// <summary>Takes a snapshot now and wakes the pages waiting for one (the timer's tick; also used by tests).</summary>
    internal void Publish()
    {
        // A slow tick must not overlap the next one: the recorder's view belongs to one thread at a time.
        if (!Monitor.TryEnter(_snapshotGate)) return;
        try
        {
            var previous = _current;
            _current = new Published(_recorder.Snapshot());
            previous.Next.TrySetResult();
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"TaskGraph dashboard: a snapshot failed: {e.Message}");
        }
        finally
        {
            Monitor.Exit(_snapshotGate);
        }
    }

    private async Task Handle(HttpContext context)
    {
        var request = context.Request;
        var response = context.Response;
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers.CacheControl = "no-store";
        response.Headers["Referrer-Policy"] = "no-referrer";
        response.Headers.ContentSecurityPolicy = "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'";
        if (!HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method))
        {
            response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            return;
        }
        // Loopback only answers requests addressed to loopback names: a web page elsewhere cannot rebind its own
        // host name to 127.0.0.1 and read the dashboard through the user's browser.
        if (_loopback && !IsLoopbackHost(request.Host.Host))
        {
            response.StatusCode = StatusCodes.Status403Forbidden;
            await response.WriteAsync("This dashboard answers only to a loopback host name.");
            return;
        }
        var path = request.Path.Value ?? "/";
        // The script and style sheet hold no data: the page loads them without the token.
        if (path is "/dashboard.js" or "/dashboard.css")
        {
            await Asset(response, path[1..], path.EndsWith(".js") ? "text/javascript; charset=utf-8" : "text/css; charset=utf-8");
            return;
        }
        if (!Authorized(request))
        {
            response.StatusCode = StatusCodes.Status401Unauthorized;
            response.Headers.WWWAuthenticate = "Bearer";
            await response.WriteAsync("A valid dashboard token is required (?token=… or Authorization: Bearer …).");
            return;
        }
        switch (path)
        {
            case "/" or "/index.html":
            {
                // The current state goes into the page itself, so it shows figures as soon as it loads.
                var html = ReadAsset("dashboard.html").Replace("\"__STATE__\"", Encoding.UTF8.GetString(_current.Json), StringComparison.Ordinal);
                response.ContentType = "text/html; charset=utf-8";
                await response.WriteAsync(html, context.RequestAborted);
                return;
            }
            case "/api/state":
                response.ContentType = "application/json";
                await response.Body.WriteAsync(_current.Json, context.RequestAborted);
                return;
            case "/api/events":
                await Events(context);
                return;
            default:
                response.StatusCode = StatusCodes.Status404NotFound;
                return;
        }
    }

    private async Task Events(HttpContext context)
    {
        if (Interlocked.Increment(ref _eventClients) > MaxEventClients)
        {
            Interlocked.Decrement(ref _eventClients);
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            return;
        }
        try
        {
            using var cancel = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _stopping.Token);
            var response = context.Response;
            response.ContentType = "text/event-stream";
            var prefix = "data: "u8.ToArray();
            var suffix = "\n\n"u8.ToArray();
            while (!cancel.IsCancellationRequested)
            {
                var current = _current;
                await response.Body.WriteAsync(prefix, cancel.Token);
                await response.Body.WriteAsync(current.Json, cancel.Token); // JSON has no raw newline: one data line
                await response.Body.WriteAsync(suffix, cancel.Token);
                await response.Body.FlushAsync(cancel.Token);
                await current.Next.Task.WaitAsync(cancel.Token);
            }
        }
        catch (OperationCanceledException)
        {
            // The page went away or the dashboard stopped.
        }
        catch (IOException)
        {
        }
        finally
        {
            Interlocked.Decrement(ref _eventClients);
        }
    }

    private bool Authorized(HttpRequest request)
    {
        if (_token is null) return true;
        string? given = request.Query["token"];
        if (given is null && request.Headers.Authorization.ToString() is { } auth && auth.StartsWith("Bearer ", StringComparison.Ordinal))
            given = auth[7..].Trim();
        if (given is null) return false;
        return CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), Encoding.UTF8.GetBytes(_token));
    }

    private static bool IsLoopbackHost(string host)
        => host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
           || (IPAddress.TryParse(host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));

    private static async Task Asset(HttpResponse response, string name, string contentType)
    {
        response.ContentType = contentType;
        await response.WriteAsync(ReadAsset(name));
    }

    private static readonly Dictionary<string, string> Assets = new(StringComparer.Ordinal);

    private static string ReadAsset(string name)
    {
        lock (Assets)
        {
            if (Assets.TryGetValue(name, out var text)) return text;
            using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("TaskGraph.Dashboard." + name)
                ?? throw new InvalidOperationException($"The dashboard's resource {name} is missing from the TaskGraph assembly.");
            using var reader = new StreamReader(stream, Encoding.UTF8);
            return Assets[name] = reader.ReadToEnd();
        }
    }

    /// <summary>A published state, and the signal that the next one is out.</summary>
    private sealed class Published(byte[] json)
    {
        public readonly byte[] Json = json;
        public readonly TaskCompletionSource Next = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
