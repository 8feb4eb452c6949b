Console.WriteLine("not yet");
return 1;
