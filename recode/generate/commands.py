"""`recode generate ...`: serve a model behind an OpenAI-compatible API."""

from __future__ import annotations

import typer

generate_app = typer.Typer(help="Generation backends: serve a model behind an OpenAI-compatible API.",
                           no_args_is_help=True)


@generate_app.command("serve")
def serve_cmd(
    model: str = typer.Option("smollm2", help="Hub id, local folder, or smollm2"),
    backend: str = typer.Option("hf", help="hf or vllm (the generator behind the server)"),
    host: str = typer.Option("127.0.0.1", help="address to listen on"),
    port: int = typer.Option(8000, help="port (0: any free port; the URL is printed)"),
    device: str = typer.Option("auto", help="hf backend: auto, cpu, cuda, cuda:1 ..."),
    batch_size: int = typer.Option(32, help="hf backend: sequences decoded together"),
    served_name: str = typer.Option(None, help="model name clients pass (default: --model)"),
) -> None:
    """Serve /v1/chat/completions and /v1/models for MODEL until interrupted."""
    from recode.cli import fail
    from recode.generate import GenerationError, make_generator
    from recode.generate.server import serve

    options = {"device": device, "batch_size": batch_size} if backend == "hf" else {}
    try:
        generator = make_generator(backend, model, **options)
    except GenerationError as exc:
        fail(str(exc))
    with generator:
        try:
            serve(generator, host, port, served_name or model, max_batch=batch_size,
                  ready=lambda url: print(f"serving {served_name or model} at {url}", flush=True))
        except OSError as exc:
            fail(f"cannot listen on {host}:{port}: {exc}")
        except KeyboardInterrupt:
            pass
