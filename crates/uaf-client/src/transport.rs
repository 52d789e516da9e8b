//! How the client reaches an authenticator: command TLV bytes in, response TLV bytes out.

use alloc::boxed::Box;
use alloc::vec::Vec;

/// A channel to one authenticator (or one device holding several): the ASM sends a command
/// TLV (GetInfo, Register, Sign, Deregister; digest §5.7) and gets the response TLV back.
///
/// The client never looks inside an authenticator: everything it learns comes from these
/// bytes. A transport that fails returns bytes that do not parse (an empty vector will do);
/// the client then reports [`ClientError::MalformedResponse`](crate::ClientError).
pub trait AuthenticatorTransport {
    /// Sends one command and returns the authenticator's response.
    fn send(&mut self, command: &[u8]) -> Vec<u8>;
}

impl<T: AuthenticatorTransport + ?Sized> AuthenticatorTransport for &mut T {
    fn send(&mut self, command: &[u8]) -> Vec<u8> {
        (**self).send(command)
    }
}

impl<T: AuthenticatorTransport + ?Sized> AuthenticatorTransport for Box<T> {
    fn send(&mut self, command: &[u8]) -> Vec<u8> {
        (**self).send(command)
    }
}

/// The simulated authenticator of `uaf-authenticator` answers commands directly.
impl<R, U> AuthenticatorTransport for uaf_authenticator::Authenticator<R, U>
where
    R: rand_core::CryptoRng,
    U: uaf_authenticator::UserVerifier,
{
    fn send(&mut self, command: &[u8]) -> Vec<u8> {
        self.process(command)
    }
}

/// A transport made of a closure `FnMut(&[u8]) -> Vec<u8>` (e.g. a wrapper that logs, or a
/// hand-written authenticator in a test).
///
/// ```
/// use uaf_client::{AuthenticatorTransport, FnTransport};
/// let mut broken = FnTransport(|_command: &[u8]| Vec::new());
/// assert!(broken.send(&[0x01, 0x34, 0x00, 0x00]).is_empty());
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FnTransport<F>(pub F);

impl<F: FnMut(&[u8]) -> Vec<u8>> AuthenticatorTransport for FnTransport<F> {
    fn send(&mut self, command: &[u8]) -> Vec<u8> {
        (self.0)(command)
    }
}
