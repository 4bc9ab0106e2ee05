//! The main listener's front door: every request enters here, before actix-web's `App`.
//!
//! Owns, per request: the request id (a well-formed client `X-Request-Id` or a generated
//! one, kept in the task-local that error bodies read, echoed on the answer), the edge
//! checks the app layer hands in through [`Edge`] (header limit, CORS), and the one route
//! lookup ([`RouteTable::claim`](crate::config::RouteTable::claim)). A request the route
//! table claims (a match, a path of a rule with another method, or an unsafe path) runs
//! the gateway's stages at once, with its match, as an `actix-http` request: no actix-web
//! `HttpRequest`, router or middleware in between. Everything else goes on to the `App`
//! (admin API, operational endpoints, and `gateway::unmatched` for the rest). Route rules
//! never overlap scopegate's own paths (start-up validation), so the split is exact.
//!
//! Must never match a request twice, forward anything itself, or know the app layer's
//! types (it sees the edge only through [`Edge`]).

use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context, Poll};

use actix_http::Request;
use actix_web::body::BoxBody;
use actix_web::dev::{AppConfig, RequestHead, Response, Service, ServiceFactory, ServiceResponse};
use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue, ORIGIN};
use actix_web::{Error, HttpResponse};
use futures_util::future::LocalBoxFuture;

use super::proxy::Clients;
use super::{serve, Gateway};
use crate::config::Claim;
use crate::web::request_id::RequestId;

const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// What the listener does around every request besides routing, supplied by the app layer
/// (`server.max_header_bytes`, `gateway.cors_allowed_origins`).
pub trait Edge: 'static {
    /// An answer that ends the request before any routing (431, a CORS preflight).
    fn early(&self, head: &RequestHead) -> Option<HttpResponse>;
    /// Adds what every answer to a request with this `Origin` carries (CORS headers).
    fn finish(&self, origin: Option<&HeaderValue>, headers: &mut HeaderMap);
}

/// The service factory the server runs: the gateway in front of actix-web's `App`.
pub struct Entry<E, A> {
    gateway: Arc<Gateway>,
    edge: Arc<E>,
    app: A,
}

impl<E: Edge, A> Entry<E, A> {
    pub fn new(gateway: Arc<Gateway>, edge: Arc<E>, app: A) -> Self {
        Self { gateway, edge, app }
    }
}

impl<E, A> ServiceFactory<Request> for Entry<E, A>
where
    E: Edge,
    A: ServiceFactory<
        Request,
        Config = AppConfig,
        Response = ServiceResponse<BoxBody>,
        Error = Error,
        InitError = (),
    >,
    A::Future: 'static,
    A::Service: 'static,
{
    type Response = Response<BoxBody>;
    type Error = Error;
    type Config = AppConfig;
    type Service = EntryService<E, A::Service>;
    type InitError = ();
    type Future = LocalBoxFuture<'static, Result<Self::Service, ()>>;

    fn new_service(&self, config: AppConfig) -> Self::Future {
        let app = self.app.new_service(config);
        let (gateway, edge) = (self.gateway.clone(), self.edge.clone());
        Box::pin(async move {
            let app = app.await?;
            // One pooled upstream client per upstream per worker.
            let clients = Rc::new(Clients::for_worker(&gateway.upstreams));
            Ok(EntryService {
                gateway,
                edge,
                clients,
                app: Rc::new(app),
            })
        })
    }
}

/// One worker's front door.
pub struct EntryService<E, S> {
    gateway: Arc<Gateway>,
    edge: Arc<E>,
    clients: Rc<Clients>,
    app: Rc<S>,
}

/// The request id header and the edge's headers on every answer.
pub(super) fn finish<E: Edge>(
    edge: &E,
    request_id: &RequestId,
    origin: Option<&HeaderValue>,
    mut response: Response<BoxBody>,
) -> Response<BoxBody> {
    let headers = response.headers_mut();
    headers.insert(X_REQUEST_ID, request_id.header().clone());
    edge.finish(origin, headers);
    response
}

impl<E, S> Service<Request> for EntryService<E, S>
where
    E: Edge,
    S: Service<Request, Response = ServiceResponse<BoxBody>, Error = Error> + 'static,
{
    type Response = Response<BoxBody>;
    type Error = Error;
    type Future = LocalBoxFuture<'static, Result<Response<BoxBody>, Error>>;

    fn poll_ready(&self, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        self.app.poll_ready(cx)
    }

    fn call(&self, req: Request) -> Self::Future {
        let head = req.head();
        let request_id = RequestId::from_client(head.headers.get(X_REQUEST_ID));
        let origin = head.headers.get(ORIGIN).cloned();
        let edge = self.edge.clone();
        if let Some(answer) = self.edge.early(head) {
            let response = finish(&*edge, &request_id, origin.as_ref(), answer.into());
            return Box::pin(std::future::ready(Ok(response)));
        }
        let claim = self
            .gateway
            .routes
            .claim(head.method.as_str(), head.uri.path());
        if let Claim::NotFound = claim {
            let app = self.app.call(req);
            return Box::pin(async move {
                let answer = request_id.clone().scope(app).await?;
                Ok(finish(&*edge, &request_id, origin.as_ref(), answer.into()))
            });
        }
        Box::pin(serve(
            self.gateway.clone(),
            self.clients.clone(),
            edge,
            req,
            claim,
            request_id,
            origin,
        ))
    }
}
