using Box.K8sEventReporting.Hosting;
using Box.K8sEventReporting.Testing.ApiServer;
using k8s;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Box.K8sEventReporting.Tests.Hosting;

/// <summary>
/// Lease leader election on fake time against the in-process API server (real HTTP). Time moves in small steps, each followed
/// by waiting until no replica has a request in flight or a term left to wind down; a monitor sees every start and end of
/// leadership and records any moment at which two replicas lead.
/// </summary>
public sealed class LeaseLeaderElectionTests : IAsyncLifetime
{
    private static readonly TimeSpan Step = TimeSpan.FromMilliseconds(250);
    private readonly FakeTimeProvider time = new(new DateTimeOffset(2026, 11, 30, 0, 0, 0, TimeSpan.Zero));
    private readonly LeadershipMonitor monitor = new();
    private readonly List<Replica> replicas = [];
    private InProcessApiServer server = null!;

    public async Task InitializeAsync() => server = await InProcessApiServer.StartAsync();

    public async Task DisposeAsync()
    {
        foreach (var replica in replicas)
        {
            await replica.StopAsync();
        }

        await server.DisposeAsync();
    }

    private static LeaderElectionOptions Options(string identity) => new()
    {
        Enabled = true,
        Identity = identity,
        LeaseNamespace = "default",
        LeaseDuration = TimeSpan.FromSeconds(15),
        RenewDeadline = TimeSpan.FromSeconds(10),
        RetryPeriod = TimeSpan.FromSeconds(2),
    };

    private Replica Start(string identity)
    {
        var replica = new Replica(identity, server, time, monitor);
        replicas.Add(replica);
        replica.Start();
        return replica;
    }

    /// <summary>Advances fake time step by step until <paramref name="condition"/> holds; returns the fake time it took.</summary>
    private async Task<TimeSpan> AdvanceUntilAsync(Func<bool> condition, TimeSpan limit, string what)
    {
        var started = time.GetUtcNow();
        await SettleAsync();
        while (!condition())
        {
            if (time.GetUtcNow() - started > limit)
            {
                throw new TimeoutException($"Not within {limit} of fake time: {what}. {monitor.Describe()}");
            }

            time.Advance(Step);
            await SettleAsync();
        }

        return time.GetUtcNow() - started;
    }

    private async Task AdvanceAsync(TimeSpan duration)
    {
        var end = time.GetUtcNow() + duration;
        while (time.GetUtcNow() < end)
        {
            time.Advance(Step);
            await SettleAsync();
        }
    }

    /// <summary>Waits (real time, bounded) until no replica has a request in flight or a term winding down.</summary>
    private async Task SettleAsync()
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        var quietChecks = 0;
        while (quietChecks < 3)
        {
            quietChecks = replicas.All(r => r.IsQuiet) ? quietChecks + 1 : 0;
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("The replicas did not settle within 20 s.");
            }

            await Task.Delay(1);
        }
    }

    private async Task<k8s.Models.V1Lease> ReadLeaseAsync()
    {
        using var client = new Kubernetes(server.CreateClientConfiguration());
        return await client.CoordinationV1.ReadNamespacedLeaseAsync("box-k8s-event-reporting", "default");
    }

    [Fact]
    public async Task Shutdown_LeaderReleasesTheLease_StandbyLeadsWithinItsRetryPeriodNotTheLeaseDuration()
    {
        var a = Start("replica-a");
        await AdvanceUntilAsync(() => a.IsLeader, TimeSpan.FromSeconds(5), "replica-a leads");
        var b = Start("replica-b");
        await AdvanceAsync(TimeSpan.FromSeconds(6));

        await a.StopAsync();
        var released = await ReadLeaseAsync();
        var takeover = await AdvanceUntilAsync(() => b.IsLeader, TimeSpan.FromSeconds(15), "replica-b takes over");

        Assert.Equal(string.Empty, released.Spec.HolderIdentity ?? string.Empty);
        Assert.Equal(1, released.Spec.LeaseDurationSeconds);
        Assert.InRange(takeover, TimeSpan.Zero, TimeSpan.FromSeconds(2 * 2.2) + Step);
        Assert.Equal("replica-b", (await ReadLeaseAsync()).Spec.HolderIdentity);
        Assert.Empty(monitor.Violations);
        Assert.Equal(["replica-a", "replica-b"], monitor.Terms);
    }

    [Fact]
    public async Task PartitionedLeader_StopsByItsRenewDeadlineAndNeverWritesAgain_StandbyTakesOverAfterTheLease()
    {
        var a = Start("replica-a");
        await AdvanceUntilAsync(() => a.IsLeader, TimeSpan.FromSeconds(5), "replica-a leads");
        var b = Start("replica-b");
        await AdvanceAsync(TimeSpan.FromSeconds(6));

        a.Partitioned = true;
        var stopped = await AdvanceUntilAsync(() => !a.IsLeader && !a.InLead, TimeSpan.FromSeconds(30), "replica-a stops leading");
        var writesWhenStopped = a.Writes;
        await AdvanceUntilAsync(() => b.IsLeader, TimeSpan.FromSeconds(30), "replica-b takes over");
        a.Partitioned = false;
        await AdvanceAsync(TimeSpan.FromSeconds(40));

        // Last renewal at most one retry period before the partition, then the renew deadline.
        Assert.InRange(stopped, TimeSpan.FromSeconds(8), TimeSpan.FromSeconds(12) + Step);
        Assert.Equal(writesWhenStopped, a.Writes);
        Assert.False(a.IsLeader);
        Assert.True(b.IsLeader);
        Assert.Empty(monitor.Violations);
        Assert.Equal(["replica-a", "replica-b"], monitor.Terms);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task Chaos_PartitionsRestartsAndShutdowns_NeverTwoLeadersAtAnyMoment(int seed)
    {
        var random = new Random(seed);
        var next = 0;
        var live = new List<Replica> { Start($"r{next++}"), Start($"r{next++}"), Start($"r{next++}") };
        for (var round = 0; round < 25; round++)
        {
            var victim = live[random.Next(live.Count)];
            switch (random.Next(4))
            {
                case 0:
                    victim.Partitioned = !victim.Partitioned;
                    break;
                case 1:
                    await victim.StopAsync();
                    live.Remove(victim);
                    live.Add(Start($"r{next++}"));
                    break;
                default:
                    break;
            }

            await AdvanceAsync(TimeSpan.FromSeconds(1 + random.Next(12)));
        }

        foreach (var replica in live)
        {
            replica.Partitioned = false;
        }

        await AdvanceUntilAsync(() => live.Count(r => r.IsLeader) == 1, TimeSpan.FromSeconds(40), "one replica leads after the chaos");
        Assert.Empty(monitor.Violations);
        Assert.True(monitor.Terms.Count >= 2, monitor.Describe());
    }

    /// <summary>Sees every start and end of every replica's term; a start while another replica is in its term is a violation.</summary>
    private sealed class LeadershipMonitor
    {
        private readonly object gate = new();
        private readonly List<string> terms = [];
        private readonly List<string> violations = [];
        private string? current;

        public IReadOnlyList<string> Terms
        {
            get
            {
                lock (gate)
                {
                    return [.. terms];
                }
            }
        }

        public IReadOnlyList<string> Violations
        {
            get
            {
                lock (gate)
                {
                    return [.. violations];
                }
            }
        }

        public void Enter(string identity)
        {
            lock (gate)
            {
                if (current is not null)
                {
                    violations.Add($"{identity} started leading while {current} still led");
                }

                current = identity;
                terms.Add(identity);
            }
        }

        public void Exit(string identity)
        {
            lock (gate)
            {
                if (current == identity)
                {
                    current = null;
                }
            }
        }

        public string Describe()
        {
            lock (gate)
            {
                return $"terms [{string.Join(", ", terms)}], violations [{string.Join("; ", violations)}]";
            }
        }
    }

    /// <summary>One replica: its own client (whose network can be cut), its election, and a term that runs until the token fires.</summary>
    private sealed class Replica
    {
        private readonly CancellationTokenSource stop = new();
        private readonly LeadershipMonitor monitor;
        private readonly Network network = new();
        private readonly Kubernetes client;
        private readonly LeaseLeaderElection election;
        private Task running = Task.CompletedTask;
        private volatile bool inLead;
        private volatile bool leadCancelled;

        public Replica(string identity, InProcessApiServer server, TimeProvider time, LeadershipMonitor monitor)
        {
            Identity = identity;
            this.monitor = monitor;
            client = new Kubernetes(server.CreateClientConfiguration(), network);
            election = new LeaseLeaderElection(client, Options(identity), NullLogger.Instance, time);
        }

        public string Identity { get; }

        public bool IsLeader => election.IsLeader;

        public bool InLead => inLead;

        public bool Partitioned
        {
            get => network.Partitioned;
            set => network.Partitioned = value;
        }

        /// <summary>Gets how many Lease writes (create, update) this replica has sent, refused or not.</summary>
        public int Writes => network.Writes;

        /// <summary>Gets a value indicating whether nothing is in flight and no term is winding down.</summary>
        public bool IsQuiet => network.InFlight == 0 && !(inLead && (leadCancelled || stop.IsCancellationRequested)) && !(stop.IsCancellationRequested && !running.IsCompleted);

        public void Start() => running = election.RunAsync(LeadAsync, stop.Token);

        public async Task StopAsync()
        {
            if (stop.IsCancellationRequested)
            {
                return;
            }

            await stop.CancelAsync();
            await running.WaitAsync(TimeSpan.FromSeconds(20));
            client.Dispose();
        }

        private async Task LeadAsync(CancellationToken leadershipLost)
        {
            inLead = true;
            leadCancelled = false;
            using var registration = leadershipLost.Register(() => leadCancelled = true);
            monitor.Enter(Identity);
            try
            {
                using var either = CancellationTokenSource.CreateLinkedTokenSource(leadershipLost, stop.Token);
                await Task.Delay(Timeout.InfiniteTimeSpan, either.Token);
            }
            catch (OperationCanceledException)
            {
            }
            finally
            {
                monitor.Exit(Identity);
                inLead = false;
            }
        }
    }

    /// <summary>The replica's network: counts requests in flight and Lease writes, and refuses everything while partitioned.</summary>
    private sealed class Network : DelegatingHandler
    {
        private int inFlight;
        private int writes;
        private volatile bool partitioned;

        public bool Partitioned
        {
            get => partitioned;
            set => partitioned = value;
        }

        public int InFlight => Volatile.Read(ref inFlight);

        public int Writes => Volatile.Read(ref writes);

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref inFlight);
            try
            {
                if (request.Method != HttpMethod.Get)
                {
                    Interlocked.Increment(ref writes);
                }

                if (Partitioned)
                {
                    throw new HttpRequestException("partitioned (test)");
                }

                return await base.SendAsync(request, cancellationToken);
            }
            finally
            {
                Interlocked.Decrement(ref inFlight);
            }
        }
    }
}
