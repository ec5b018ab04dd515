Console.WriteLine("idle");
