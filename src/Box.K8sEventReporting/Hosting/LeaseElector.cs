using System.Net;
using Box.K8sEventReporting.Internal;
using Box.K8sEventReporting.Primitives;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Box.K8sEventReporting.Hosting;

/// <summary>
/// Acquires, renews and releases one <c>coordination.k8s.io/v1</c> Lease by client-go's leader election rules, on a
/// <see cref="TimeProvider"/>: a Lease held by another identity is taken only after this replica has seen it unchanged for
/// its <c>leaseDurationSeconds</c> (its own clock, never the holder's timestamps); a Lease with an empty holder (released)
/// is taken at once.
/// </summary>
/// <remarks>Not thread-safe: one campaign loop drives it.</remarks>
internal sealed class LeaseElector
{
    // client-go's JitterFactor for acquire retries: standbys spread over up to 2.2 retry periods, so they rarely race.
    private const double JitterFactor = 1.2;
    private readonly IKubernetes client;
    private readonly string leaseNamespace;
    private readonly string leaseName;
    private readonly string identity;
    private readonly LeaderElectionOptions options;
    private readonly TimeProvider time;
    private readonly ILogger logger;
    private readonly Random random;
    private V1Lease? observed;
    private long observedAt;

    public LeaseElector(IKubernetes client, string leaseNamespace, string identity, LeaderElectionOptions options, TimeProvider time, ILogger logger, Random? random = null)
    {
        this.client = client;
        this.leaseNamespace = leaseNamespace;
        leaseName = options.LeaseName;
        this.identity = identity;
        this.options = options;
        this.time = time;
        this.logger = logger;
        this.random = random ?? Random.Shared;
    }

    /// <summary>Gets the holder of the Lease as last read or written, or null.</summary>
    public string? ObservedHolder => observed?.Spec?.HolderIdentity;

    /// <summary>Gets a value indicating whether the Lease, as last read or written, is held by this replica.</summary>
    public bool HoldsLease => !string.IsNullOrEmpty(ObservedHolder) && ObservedHolder == identity;

    private BackoffPolicy AcquireRetry => new(options.RetryPeriod, 1, JitterFactor, options.RetryPeriod * (1 + JitterFactor));

    private int LeaseDurationSeconds => Math.Max(1, (int)options.LeaseDuration.TotalSeconds);

    /// <summary>Tries every retry period (with jitter) until this replica holds the Lease.</summary>
    /// <param name="afterAttempt">Called after each attempt (for example to report the holder seen).</param>
    /// <param name="cancellationToken">Stops trying.</param>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired first.</exception>
    public async Task AcquireAsync(Action? afterAttempt, CancellationToken cancellationToken)
    {
        while (true)
        {
            var acquired = await TryAcquireOrRenewAsync(cancellationToken).ConfigureAwait(false);
            afterAttempt?.Invoke();
            if (acquired)
            {
                return;
            }

            await Task.Delay(AcquireRetry.Delay(1, random), time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Renews every retry period until a renewal does not succeed within the renew deadline (returns false: leadership is
    /// lost) or <paramref name="cancellationToken"/> fires (returns true). Nothing of it runs after it returns: every attempt
    /// and every request in flight is bound to the deadline.
    /// </summary>
    public async Task<bool> RenewUntilLostAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            using var deadline = new CancellationTokenSource(options.RenewDeadline, time);
            using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
            try
            {
                while (!await TryAcquireOrRenewAsync(attempt.Token).ConfigureAwait(false))
                {
                    await Task.Delay(options.RetryPeriod, time, attempt.Token).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return true;
            }
            catch (OperationCanceledException)
            {
                // The renew deadline passed: this replica may no longer act as the leader.
                return false;
            }

            try
            {
                await Task.Delay(options.RetryPeriod, time, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return true;
            }
        }

        return true;
    }

    /// <summary>
    /// Gives the Lease up (empty holder, 1 s duration, as client-go's ReleaseOnCancel) when this replica still holds it, so
    /// that a standby takes over within its retry period instead of waiting for the lease to expire.
    /// </summary>
    /// <returns>True when released.</returns>
    public async Task<bool> ReleaseAsync(CancellationToken cancellationToken)
    {
        if (!HoldsLease || observed is null)
        {
            return false;
        }

        var now = MicroTime.From(time.GetUtcNow());
        var released = new V1Lease
        {
            ApiVersion = observed.ApiVersion,
            Kind = observed.Kind,
            Metadata = observed.Metadata,
            Spec = new V1LeaseSpec
            {
                HolderIdentity = string.Empty,
                LeaseDurationSeconds = 1,
                AcquireTime = now,
                RenewTime = now,
                LeaseTransitions = observed.Spec?.LeaseTransitions,
            },
        };
        try
        {
            observed = await client.CoordinationV1.ReplaceNamespacedLeaseAsync(released, leaseName, leaseNamespace, cancellationToken: cancellationToken).ConfigureAwait(false);
            observedAt = time.GetTimestamp();
            Log.LeaseReleased(logger, identity, leaseNamespace, leaseName);
            return true;
        }
        catch (Exception ex) when (ex is OperationCanceledException || IsApiFailure(ex, cancellationToken))
        {
            // 409: someone wrote it since our last renewal, so it is not ours to release any more. Otherwise it expires on its own.
            Log.LeaseReleaseFailed(logger, ex, identity, leaseNamespace, leaseName);
            observed = null;
            return false;
        }
    }

    /// <summary>One round of client-go's tryAcquireOrRenew: read, and write only when free, expired, or ours.</summary>
    private async Task<bool> TryAcquireOrRenewAsync(CancellationToken cancellationToken)
    {
        var now = MicroTime.From(time.GetUtcNow());
        V1Lease current;
        try
        {
            current = await client.CoordinationV1.ReadNamespacedLeaseAsync(leaseName, leaseNamespace, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException ex) when (ex.Response?.StatusCode == HttpStatusCode.NotFound)
        {
            return await TryCreateAsync(now, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsApiFailure(ex, cancellationToken))
        {
            ReportFailure(ex);
            return false;
        }

        if (observed is null || !SameRecord(observed.Spec, current.Spec))
        {
            observedAt = time.GetTimestamp();
        }

        observed = current;
        var spec = current.Spec ?? new V1LeaseSpec();
        var heldByOther = !string.IsNullOrEmpty(spec.HolderIdentity) && spec.HolderIdentity != identity;
        var duration = TimeSpan.FromSeconds(spec.LeaseDurationSeconds ?? LeaseDurationSeconds);
        if (heldByOther && time.GetElapsedTime(observedAt) < duration)
        {
            return false;
        }

        var ours = spec.HolderIdentity == identity;
        var desired = new V1Lease { ApiVersion = current.ApiVersion, Kind = current.Kind, Metadata = current.Metadata };
        desired.Spec = new V1LeaseSpec
        {
            HolderIdentity = identity,
            LeaseDurationSeconds = LeaseDurationSeconds,
            AcquireTime = ours ? spec.AcquireTime ?? now : now,
            RenewTime = now,
            LeaseTransitions = ours ? spec.LeaseTransitions ?? 0 : (spec.LeaseTransitions ?? 0) + 1,
        };
        try
        {
            observed = await client.CoordinationV1.ReplaceNamespacedLeaseAsync(desired, leaseName, leaseNamespace, cancellationToken: cancellationToken).ConfigureAwait(false);
            observedAt = time.GetTimestamp();
            return true;
        }
        catch (Exception ex) when (IsApiFailure(ex, cancellationToken))
        {
            ReportFailure(ex);
            return false;
        }
    }

    private async Task<bool> TryCreateAsync(DateTime now, CancellationToken cancellationToken)
    {
        var lease = new V1Lease
        {
            ApiVersion = "coordination.k8s.io/v1",
            Kind = "Lease",
            Metadata = new V1ObjectMeta { Name = leaseName, NamespaceProperty = leaseNamespace },
            Spec = new V1LeaseSpec { HolderIdentity = identity, LeaseDurationSeconds = LeaseDurationSeconds, AcquireTime = now, RenewTime = now, LeaseTransitions = 0 },
        };
        try
        {
            observed = await client.CoordinationV1.CreateNamespacedLeaseAsync(lease, leaseNamespace, cancellationToken: cancellationToken).ConfigureAwait(false);
            observedAt = time.GetTimestamp();
            return true;
        }
        catch (Exception ex) when (IsApiFailure(ex, cancellationToken))
        {
            ReportFailure(ex);
            return false;
        }
    }

    private void ReportFailure(Exception ex)
    {
        if (ex is HttpOperationException { Response.StatusCode: var status })
        {
            if (status == HttpStatusCode.Conflict)
            {
                Log.LeaseWriteConflict(logger, identity, leaseNamespace, leaseName);
            }
            else
            {
                Log.LeaseWriteFailed(logger, identity, (int)status, leaseNamespace, leaseName);
            }
        }
        else
        {
            Log.LeaderElectionError(logger, ex, identity);
        }
    }

    private static bool SameRecord(V1LeaseSpec? a, V1LeaseSpec? b) =>
        a?.HolderIdentity == b?.HolderIdentity && a?.LeaseDurationSeconds == b?.LeaseDurationSeconds && a?.AcquireTime == b?.AcquireTime
        && a?.RenewTime == b?.RenewTime && a?.LeaseTransitions == b?.LeaseTransitions;

    /// <summary>An answer or a transport failure of the API server; not a cancellation by the caller.</summary>
    private static bool IsApiFailure(Exception ex, CancellationToken cancellationToken) =>
        !cancellationToken.IsCancellationRequested
        && ex is HttpOperationException or HttpRequestException or IOException or System.Text.Json.JsonException or OperationCanceledException;
}
