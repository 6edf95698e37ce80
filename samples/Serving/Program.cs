using NetGen.Samples.Serving;

// Serves a trained Fashion-MNIST MLP over HTTP.
//   dotnet run -c Release --project samples/Serving -- --Model:Checkpoint model.ngckpt --urls http://127.0.0.1:5080
//   curl -s localhost:5080/predict -H 'content-type: application/json' -d '{"inputs":[[0,0,...784 values in [0,1]...]]}'
// Without a checkpoint file the service first trains the MLP for one epoch and saves it there (about 10 s).
WebApplication app = ServingApp.Build(args);
app.Run();
