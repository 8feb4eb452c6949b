using Xunit;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace FreesoundTagging.Tests.Support;

/// <summary>
/// A fact that can find out only while running that it cannot run here (e.g. daemons that do not start in this
/// container): it throws <see cref="SkipException"/> and is reported skipped with that reason, not failed.
/// xunit 2 has no Assert.Skip; this is the usual discoverer and message-bus wrapper for it.
/// </summary>
[XunitTestCaseDiscoverer("FreesoundTagging.Tests.Support.SkippableFactDiscoverer", "FreesoundTagging.Tests")]
[AttributeUsage(AttributeTargets.Method)]
public sealed class SkippableFactAttribute : FactAttribute;

/// <summary>Thrown by a <see cref="SkippableFactAttribute"/> test: skipped, with the message as the reason.</summary>
public sealed class SkipException(string reason) : Exception(reason);

public sealed class SkippableFactDiscoverer(IMessageSink diagnosticMessageSink) : IXunitTestCaseDiscoverer
{
    public IEnumerable<IXunitTestCase> Discover(ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo factAttribute)
    {
        yield return new SkippableTestCase(diagnosticMessageSink, discoveryOptions.MethodDisplayOrDefault(), discoveryOptions.MethodDisplayOptionsOrDefault(), testMethod);
    }
}

public sealed class SkippableTestCase : XunitTestCase
{
    [Obsolete("For the deserializer only", error: true)]
    public SkippableTestCase()
    {
    }

    public SkippableTestCase(IMessageSink diagnosticMessageSink, TestMethodDisplay display, TestMethodDisplayOptions displayOptions, ITestMethod testMethod)
        : base(diagnosticMessageSink, display, displayOptions, testMethod)
    {
    }

    public override async Task<RunSummary> RunAsync(IMessageSink diagnosticMessageSink, IMessageBus messageBus, object[] constructorArguments,
        ExceptionAggregator aggregator, CancellationTokenSource cancellationTokenSource)
    {
        var bus = new SkippingBus(messageBus);
        var summary = await base.RunAsync(diagnosticMessageSink, bus, constructorArguments, aggregator, cancellationTokenSource);
        summary.Failed -= bus.Skipped;
        summary.Skipped += bus.Skipped;
        return summary;
    }

    /// <summary>Turns a failure by <see cref="SkipException"/> into a skip; passes every other message on.</summary>
    private sealed class SkippingBus(IMessageBus inner) : IMessageBus
    {
        public int Skipped { get; private set; }

        public bool QueueMessage(IMessageSinkMessage message)
        {
            if (message is ITestFailed failed && failed.ExceptionTypes.FirstOrDefault() == typeof(SkipException).FullName)
            {
                Skipped++;
                return inner.QueueMessage(new TestSkipped(failed.Test, failed.Messages.FirstOrDefault()));
            }
            return inner.QueueMessage(message);
        }

        public void Dispose()
        {
            // The inner bus belongs to the runner.
        }
    }
}
