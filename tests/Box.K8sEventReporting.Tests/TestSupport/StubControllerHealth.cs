using Box.K8sEventReporting.Hosting;

namespace Box.K8sEventReporting.Tests.TestSupport;

/// <summary>Answers each health check with the next of its answers; the last one repeats.</summary>
internal sealed class StubControllerHealth(params Func<ControllerHealthReport>[] answers) : IControllerHealth
{
    private int _calls;

    public StubControllerHealth(ControllerHealthReport report)
        : this(() => report)
    {
    }

    public ControllerHealthReport Check()
    {
        var call = Interlocked.Increment(ref _calls) - 1;
        return answers.Length == 0
            ? new ControllerHealthReport(IsReady: false, IsLive: false, IsLeader: false, "no answer")
            : answers[Math.Min(call, answers.Length - 1)]();
    }
}
