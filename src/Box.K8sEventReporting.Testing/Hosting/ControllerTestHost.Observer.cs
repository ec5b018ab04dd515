using System.Collections.Concurrent;
using Box.K8sEventReporting.Controller;
using Box.K8sEventReporting.Watching;

namespace Box.K8sEventReporting.Testing;

/// <summary>The reconcile outcomes a <see cref="ControllerTestHost"/> waits on.</summary>
public sealed partial class ControllerTestHost
{
    /// <summary>Keeps every reconcile's outcome; fails waits on the first error.</summary>
    private sealed class Observer : IReconcileObserver
    {
        private readonly Recording<Outcome> _outcomes = new();
        private readonly ConcurrentQueue<ReconcileFailedException> _errors = new();
        private readonly TaskCompletionSource<ReconcileFailedException> _firstError = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly ConcurrentDictionary<(string, ResourceKey), long> _consumed = new();
        private long _sequence;

        public IReadOnlyList<ReconcileFailedException> Errors => [.. _errors];

        public void Reconciled(string kind, ResourceKey key, string outcome, Exception? error)
        {
            ReconcileFailedException? failure = null;
            if (error is not null)
            {
                failure = new ReconcileFailedException(error.Message, error.InnerException ?? error);
                _errors.Enqueue(failure);
                _firstError.TrySetResult(failure);
            }

            _outcomes.Add(new Outcome(Interlocked.Increment(ref _sequence), kind, key, outcome, failure));
        }

        public async Task<TResult> UnlessAReconcileFailsAsync<TResult>(Task<TResult> wait)
        {
            var first = await Task.WhenAny(wait, _firstError.Task).ConfigureAwait(false);
            return first == wait ? await wait.ConfigureAwait(false) : throw await _firstError.Task.ConfigureAwait(false);
        }

        public async Task<string> NextAsync(string kind, ResourceKey key, TimeSpan timeout, CancellationToken cancellationToken)
        {
            var after = _consumed.GetValueOrDefault((kind, key));
            var next = await _outcomes.WaitForAsync(
                o => o.Kind == kind && o.Key == key && o.Sequence > after && o.Result != "canceled",
                timeout,
                all => $"No reconcile of {kind} '{key}' within {timeout}; reconciled: {(all.Count == 0 ? "nothing" : string.Join(", ", all.Select(o => $"{o.Kind} {o.Key} {o.Result}")))}.",
                cancellationToken).ConfigureAwait(false);
            _consumed[(kind, key)] = next.Sequence;
            return next.Failure is { } failure ? throw failure : next.Result;
        }

        private sealed record Outcome(long Sequence, string Kind, ResourceKey Key, string Result, ReconcileFailedException? Failure);
    }
}
