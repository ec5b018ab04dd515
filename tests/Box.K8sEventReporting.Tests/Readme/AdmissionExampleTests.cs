using Box.K8sEventReporting.Admission;
using DatabaseOperator.Tests;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace DatabaseOperator;

/// <summary>The Admission package's README composition: the validators also answer admission reviews.</summary>
public class AdmissionExampleTests
{
    [Fact]
    public void Composition_RegistersTheWebhookForTheValidators()
    {
        string[] args = [];

        #region readme
        var builder = Host.CreateApplicationBuilder(args);
        builder.Services.AddK8sEventReporting(builder.Configuration.GetSection("K8sEventReporting"))
            .AddController<Database>(db => db
                .AddValidator<EngineValidator>()
                .AddAdmissionWebhook());                 // this package: the validators answer at admission too
        #endregion

        using var host = builder.Build();
        Assert.NotNull(host.Services.GetService<IAdmissionWebhookListener>());
    }
}
