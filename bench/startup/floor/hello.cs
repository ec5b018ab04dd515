// The floor of a .NET process: start the runtime, print one line, exit (measured by bench/startup/floor.sh).
#:property TargetFramework=net10.0
#:property PublishAot=false
#:property IsTestProject=false
Console.WriteLine("hello");
