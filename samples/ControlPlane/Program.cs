Console.WriteLine("ControlPlane: coming up");
