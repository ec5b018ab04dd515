// The floor of a .NET generic host, as the ControlPlane sample builds one (Host.CreateApplicationBuilder: configuration
// from appsettings and environment, console logging), started and stopped with no hosted service of ours.
#:package Microsoft.Extensions.Hosting@10.0.0
#:property TargetFramework=net10.0
#:property PublishAot=false
#:property IsTestProject=false
#:property ManagePackageVersionsCentrally=false
using Microsoft.Extensions.Hosting;

var builder = Host.CreateApplicationBuilder(args);
using var host = builder.Build();
await host.StartAsync();
await host.StopAsync();
Console.WriteLine("host started and stopped");
