//! Baseline for `benches/load.sh`: the least an actix-web + awc forwarder can do (no
//! authentication, no policy, no header rewriting, no metrics, no log line). Comparing
//! scopegate with it shows what scopegate's own stages cost.
//!
//!   cargo run --release --example bare_forwarder -- 127.0.0.1:19104 http://127.0.0.1:19101

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

async fn forward(
    req: HttpRequest,
    client: web::Data<awc::Client>,
    base: web::Data<String>,
) -> HttpResponse {
    let url = format!("{}{}", base.as_str(), req.uri());
    match client.get(url).send().await {
        Ok(mut res) => match res.body().await {
            Ok(body) => HttpResponse::build(res.status())
                .insert_header(("content-type", "application/json"))
                .body(body),
            Err(_) => HttpResponse::BadGateway().finish(),
        },
        Err(_) => HttpResponse::BadGateway().finish(),
    }
}

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let listen = args.next().unwrap_or_else(|| "127.0.0.1:19104".into());
    let base = web::Data::new(
        args.next()
            .unwrap_or_else(|| "http://127.0.0.1:19101".into()),
    );
    actix_web::rt::System::new().block_on(async move {
        HttpServer::new(move || {
            let client = awc::Client::builder()
                .disable_redirects()
                .no_default_headers()
                .connector(awc::Connector::new().limit(0))
                .disable_timeout()
                .finish();
            App::new()
                .app_data(web::Data::new(client))
                .app_data(base.clone())
                .default_service(web::to(forward))
        })
        .workers(1)
        .bind(listen)?
        .run()
        .await
    })
}
