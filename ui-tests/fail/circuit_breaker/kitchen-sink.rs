#[derive(Debug)]
struct Error;

impl From<resile::Rejection> for Error {
    fn from(_: resile::Rejection) -> Self {
        Error
    }
}

#[resile::circuit_breaker(
    name = "",                          //~ ERROR `name` must not be empty
    window = "sliding",                 //~ ERROR unknown window `"sliding"`
    failure_rate_treshold = 0.5,        //~ ERROR did you mean `failure_rate_threshold`?
    failure_rate_threshold = 1.5,       //~ ERROR must be within 0.0 (exclusive) ..= 1.0
    open_timeout = "0s",                //~ ERROR `open_timeout` must be greater than zero
    permitted_calls_in_half_open = 0,   //~ ERROR must be at least 1, found 0
    should_record = "classify",         //~ ERROR not a string
    on_state_change = |n, a, b| (),     //~ ERROR not a closure
    slow_call_rate_threshold = 0.5,     //~ ERROR has no effect without `slow_call_threshold`
)]
async fn call() -> Result<u32, Error> {
    Ok(1)
}

fn main() {}
