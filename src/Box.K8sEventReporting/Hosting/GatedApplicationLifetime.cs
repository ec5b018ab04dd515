using Microsoft.Extensions.Hosting;

namespace Box.K8sEventReporting.Hosting;

/// <summary>
/// The host's application lifetime as the wrapped host lifetime sees it: started, stopping and stopped are passed on only
/// while the start-up check has no problem, so a start that failed in a hosted service is not announced as started (nor as
/// shutting down) after its critical line. Stopping the application goes straight through.
/// </summary>
internal sealed class GatedApplicationLifetime : IHostApplicationLifetime, IDisposable
{
    private readonly IHostApplicationLifetime _inner;
    private readonly StartupCheck _check;
    private readonly CancellationTokenSource _started = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly CancellationTokenSource _stopped = new();

    public GatedApplicationLifetime(IHostApplicationLifetime inner, StartupCheck check)
    {
        _inner = inner;
        _check = check;
        Forward(_started, inner.ApplicationStarted);
        Forward(_stopping, inner.ApplicationStopping);
        Forward(_stopped, inner.ApplicationStopped);
    }

    public CancellationToken ApplicationStarted => _started.Token;

    public CancellationToken ApplicationStopping => _stopping.Token;

    public CancellationToken ApplicationStopped => _stopped.Token;

    public void StopApplication() => _inner.StopApplication();

    public void Dispose()
    {
        _started.Dispose();
        _stopping.Dispose();
        _stopped.Dispose();
    }

    private void Forward(CancellationTokenSource to, CancellationToken from) => from.Register(() =>
    {
        // The problem is recorded while the hosted services start, before the host reports itself started.
        if (_check.Problem is null)
        {
            to.Cancel();
        }
    });
}
