namespace Box.K8sEventReporting.Testing;

/// <summary>Thrown by the fakes' assertion helpers; any test framework reports it as a failure.</summary>
public sealed class FakeAssertionException : Exception
{
    /// <summary>Initializes a new instance of the <see cref="FakeAssertionException"/> class.</summary>
    public FakeAssertionException()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="FakeAssertionException"/> class.</summary>
    /// <param name="message">What was expected and what happened.</param>
    public FakeAssertionException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="FakeAssertionException"/> class.</summary>
    /// <param name="message">What was expected and what happened.</param>
    /// <param name="innerException">The cause.</param>
    public FakeAssertionException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
