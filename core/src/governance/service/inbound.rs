//! What the service does with each message a ready peer sends: sync counts, announcements,
//! objects and votes (`CGovernanceManager::ProcessMessage`).

use super::{
    seconds, FullSync, GovernanceService, MAX_GOVERNANCE_FETCHES, MAX_GOVERNANCE_OBJECTS,
    MAX_GOVERNANCE_VOTES,
};
use crate::governance::report::GovernanceEvent;
use crate::governance::state::{ObjectAdded, SignatureStatus, VoteAdded};
use crate::governance::verify::MAX_VOTE_FUTURE_SECONDS;
use crate::p2p::{Misbehavior, PeerCommand, PeerId, Time};
use crate::wire::{
    GetData, GovObject, GovObjectVote, InvType, Inventory, Message, SyncItem, SyncStatusCount,
};

impl GovernanceService {
    /// A message from a ready peer; all but `ssc`, `inv` (types 17 and 18), `notfound`,
    /// `govobj` and `govobjvote` are ignored.
    pub fn on_message(&mut self, peer: PeerId, message: &Message, now: Time) {
        match message {
            Message::SyncStatusCount(ssc) => self.on_ssc(peer, ssc, now),
            Message::Inv(inv) => self.on_inv(peer, &inv.inventory, now),
            Message::NotFound(nf) => {
                for item in &nf.inventory {
                    if self.fetching.get(item).is_some_and(|(p, _)| *p == peer) {
                        self.fetching.remove(item);
                        self.sync.on_received(item);
                    }
                }
            }
            Message::GovObject(object) => self.on_object(peer, object, now),
            Message::GovObjectVote(vote) => self.on_vote(peer, vote, now),
            _ => return,
        }
        self.advance(now);
    }

    fn on_ssc(&mut self, peer: PeerId, ssc: &SyncStatusCount, now: Time) {
        let count = u64::try_from(ssc.count).unwrap_or(0);
        match ssc.item {
            SyncItem::GovObj => {
                if let Some(FullSync::Asked { peer: p, count: c @ None, last_progress, .. }) =
                    &mut self.round
                {
                    if *p == peer {
                        *c = Some(count);
                        *last_progress = now;
                        self.sync.on_ssc(ssc);
                        self.progress.objects_announced += count;
                        self.progress_changed = true;
                    }
                }
            }
            // Answers come in the order of the requests; an `ssc(11)` nobody asked for
            // (nothing in flight) is not counted.
            SyncItem::GovObjVote
                if self.vote_peer == Some(peer) && self.vote_syncs.pop_front().is_some() =>
            {
                self.vote_invs.expected += count;
                self.vote_invs.last_progress = now;
                self.sync.on_ssc(ssc);
                self.progress.votes_announced += count;
                self.progress.vote_syncs_answered += 1;
                self.progress_changed = true;
            }
            _ => {}
        }
    }

    fn on_inv(&mut self, peer: PeerId, inventory: &[Inventory], now: Time) {
        if !self.started {
            return;
        }
        let mut ours: Vec<Inventory> = inventory
            .iter()
            .filter(|i| {
                matches!(i.inv_type(), InvType::GovernanceObject | InvType::GovernanceObjectVote)
            })
            .copied()
            .collect();
        if ours.is_empty() {
            return;
        }
        if let Some(FullSync::Asked { peer: p, announced, last_progress, .. }) = &mut self.round {
            if *p == peer {
                let objects = ours.iter().filter(|i| i.inv_type() == InvType::GovernanceObject);
                *announced += objects.count() as u64;
                *last_progress = now;
            }
        }
        if self.vote_peer == Some(peer) {
            let votes = ours.iter().filter(|i| i.inv_type() == InvType::GovernanceObjectVote);
            self.vote_invs.seen += votes.count() as u64;
            self.vote_invs.last_progress = now;
        }
        ours.truncate(MAX_GOVERNANCE_FETCHES.saturating_sub(self.fetching.len()));
        let (objects, votes) = self.state.counts();
        ours.retain(|i| match i.inv_type() {
            InvType::GovernanceObject => objects < MAX_GOVERNANCE_OBJECTS,
            _ => votes < MAX_GOVERNANCE_VOTES,
        });
        let wanted = self.sync.on_inv(&self.state, &ours);
        if wanted.is_empty() {
            return;
        }
        for item in &wanted {
            self.fetching.insert(*item, (peer, now));
        }
        self.commands
            .push(PeerCommand::Send { peer, message: Message::GetData(GetData::new(wanted)) });
    }

    /// Takes the request for `item` if it was ours; `false` for unrequested data.
    fn answered(&mut self, peer: PeerId, item: Inventory, now: Time) -> bool {
        if self.fetching.remove(&item).is_none() {
            log::debug!("{peer}: unrequested {:?} {} ignored", item.inv_type(), item.hash());
            return false;
        }
        self.sync.on_received(&item);
        if let Some(FullSync::Asked { peer: p, last_progress, .. }) = &mut self.round {
            if *p == peer {
                *last_progress = now;
            }
        }
        true
    }

    fn on_object(&mut self, peer: PeerId, object: &GovObject, now: Time) {
        let hash = object.hash();
        if !self.answered(peer, Inventory::new(InvType::GovernanceObject, hash), now)
            || self.state.counts().0 >= MAX_GOVERNANCE_OBJECTS
        {
            return;
        }
        if let ObjectAdded::New { hash, invalid_data, signature } =
            self.state.add_object(object.clone(), seconds(now))
        {
            if signature == SignatureStatus::Invalid {
                log::debug!("{peer}: governance object {hash} with a bad signature");
                self.punish(peer, Misbehavior::InvalidGovernanceObject);
            }
            self.new_objects.push(object.clone());
            self.progress.objects_received += 1;
            self.progress_changed = true;
            let object_type = object.object_type;
            self.events.push(GovernanceEvent::ObjectAdded { hash, object_type, invalid_data });
            if !self.state.current_votes(&hash).is_empty() {
                self.votes_changed.insert(hash);
            }
        }
    }

    fn on_vote(&mut self, peer: PeerId, vote: &GovObjectVote, now: Time) {
        let hash = vote.hash();
        if !self.answered(peer, Inventory::new(InvType::GovernanceObjectVote, hash), now)
            || self.state.counts().1 >= MAX_GOVERNANCE_VOTES
        {
            return;
        }
        let now_s = seconds(now);
        if vote.time > now_s.saturating_add(MAX_VOTE_FUTURE_SECONDS) {
            // Not held: Dash Core does not keep it either, and a later fetch may be in time.
            log::debug!("{peer}: vote {hash} signed too far in the future, dropped");
            self.punish(peer, Misbehavior::InvalidGovernanceVote);
            return;
        }
        let added = self.state.add_vote(vote.clone(), now_s);
        if added == VoteAdded::Known {
            return;
        }
        if let VoteAdded::Invalid(error) = added {
            log::debug!("{peer}: vote {hash} refused: {error}");
            if error.score() > 0 {
                self.punish(peer, Misbehavior::InvalidGovernanceVote);
            }
        }
        self.new_votes.push(vote.clone());
        self.progress.votes_received += 1;
        self.progress_changed = true;
        if matches!(added, VoteAdded::New | VoteAdded::Replaced { .. }) {
            self.votes_changed.insert(vote.parent_hash);
        }
    }
}
